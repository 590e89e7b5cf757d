using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

// The FastCnn step inside a model: a loaded model is a chain (often of chains) around it.
public static partial class FastCnn
{
    /// <summary>
    /// The <see cref="FastCnnTransformer"/> inside <paramref name="model"/>: the model itself, or the first FastCnn
    /// step of a chain (nested chains included), as <c>mlContext.Model.Load</c> or <see cref="LoadModel"/> return it.
    /// </summary>
    /// <param name="model">A trained model or pipeline.</param>
    /// <returns>The FastCnn step, or <see langword="null"/> when the model has none (it was not trained with <see cref="Train"/>).</returns>
    public static FastCnnTransformer? FindTransformer(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return FindTransformerAndStepsBefore(model)?.Transformer;
    }

    /// <summary>
    /// The same model with its FastCnn step replaced by <paramref name="replace"/>'s result, for example
    /// <c>FastCnn.ReplaceTransformer(model, t =&gt; t.WithTestTimeAugmentation(4))</c>. The other steps are shared,
    /// not copied; the result is one flat <see cref="TransformerChain{TLastTransformer}"/> of all the steps.
    /// </summary>
    /// <param name="model">A trained model or pipeline with a FastCnn step.</param>
    /// <param name="replace">Makes the new step from the old one (<see cref="FastCnnTransformer.WithTestTimeAugmentation"/>, <see cref="FastCnnTransformer.WithScoringEngine"/>…).</param>
    /// <exception cref="ArgumentException">The model has no FastCnn step.</exception>
    public static ITransformer ReplaceTransformer(ITransformer model, Func<FastCnnTransformer, FastCnnTransformer> replace)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(replace);
        var old = FindTransformer(model) ?? throw NoFastCnnStep(nameof(model));
        var steps = Steps(model).Select(step => ReferenceEquals(step, old) ? replace(old) : step).ToArray();
        return new TransformerChain<ITransformer>(steps);
    }

    /// <summary>The FastCnn step of a model and the steps before it (which read the images it scores).</summary>
    internal static (FastCnnTransformer Transformer, List<ITransformer> Before)? FindTransformerAndStepsBefore(ITransformer model)
    {
        var before = new List<ITransformer>();
        foreach (var step in Steps(model))
        {
            if (step is FastCnnTransformer fastCnn)
                return (fastCnn, before);
            before.Add(step);
        }
        return null;
    }

    /// <summary>The one wording of "no FastCnn step" for every API that needs one.</summary>
    internal static ArgumentException NoFastCnnStep(string parameterName) =>
        new("The model has no FastCnnTransformer step: pass the transformer FastCnn.Train produced, or a chain that holds it (a model saved after training).", parameterName);

    private static IEnumerable<ITransformer> Steps(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Steps) : [model];
}
