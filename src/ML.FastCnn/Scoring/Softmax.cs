namespace ML.FastCnn;

/// <summary>The softmax every scoring engine's logits go through: one place, computed in double, the largest logit subtracted first.</summary>
internal static class Softmax
{
    /// <summary>Probabilities of N rows of <paramref name="classes"/> logits each (row after row), one array per row.</summary>
    public static float[][] Rows(float[] logits, int classes)
    {
        var rows = new float[logits.Length / classes][];
        for (int r = 0; r < rows.Length; r++)
        {
            var z = logits.AsSpan(r * classes, classes);
            float max = float.NegativeInfinity;
            foreach (var value in z)
                max = Math.Max(max, value);
            var exp = new double[classes];
            double sum = 0;
            for (int k = 0; k < classes; k++)
                sum += exp[k] = Math.Exp(z[k] - max);
            rows[r] = new float[classes];
            for (int k = 0; k < classes; k++)
                rows[r][k] = (float)(exp[k] / sum);
        }
        return rows;
    }
}
