namespace ML.FastCnn;

/// <summary>
/// One image's changes in <see cref="AugmentationMode.Batch"/>: a 3×3 homography (row-major) that maps each
/// output pixel's coordinates to where it samples the input, both in [−1, 1] (−1: left or top edge, +1: right
/// or bottom; <c>grid_sample</c>'s convention), and lighting in logit space: out = σ(contrast·logit(in) + brightness).
/// </summary>
internal readonly record struct BatchAugmentationDraw(double[] Homography, double Brightness, double Contrast)
{
    /// <summary>No change: the whole image, upright, lighting kept.</summary>
    public static BatchAugmentationDraw Identity { get; } = new([1, 0, 0, 0, 1, 0, 0, 0, 1], 0, 1);

    public bool ChangesLighting => Brightness != 0 || Contrast != 1;

    /// <summary>
    /// Composes the transforms as fast.ai's batch transforms do (input = crop ∘ warp ∘ flip/turn ∘ rotation ∘ zoom
    /// of the output coordinates). The geometry matches per-image rendering: a positive angle turns the picture
    /// clockwise, quarter turns likewise, and the flip mirrors the turned picture left–right.
    /// </summary>
    /// <param name="flip">Mirror left–right.</param>
    /// <param name="quarterTurns">Clockwise quarter turns, 0–3.</param>
    /// <param name="angle">Rotation in degrees, clockwise.</param>
    /// <param name="zoom">Zoom factor ≥ 1 (the output shows 1/zoom of the side).</param>
    /// <param name="zoomX">Where the zoomed window sits horizontally, 0 (left) to 1 (right).</param>
    /// <param name="zoomY">Where the zoomed window sits vertically, 0 (top) to 1 (bottom).</param>
    /// <param name="cropWidth">Fraction of the width the crop keeps, in (0, 1].</param>
    /// <param name="cropHeight">Fraction of the height the crop keeps, in (0, 1].</param>
    /// <param name="cropX">Where the crop sits horizontally, 0 to 1.</param>
    /// <param name="cropY">Where the crop sits vertically, 0 to 1.</param>
    /// <param name="warpX">Keystone tilt: the top edge samples (1 − warpX) of the width, the bottom (1 + warpX).</param>
    /// <param name="warpY">Keystone tilt: the left edge samples (1 − warpY) of the height, the right (1 + warpY).</param>
    /// <param name="brightness">Added to the logits (0: none).</param>
    /// <param name="contrast">Multiplies the logits (1: none).</param>
    public static BatchAugmentationDraw Create(bool flip, int quarterTurns, double angle, double zoom, double zoomX, double zoomY,
        double cropWidth, double cropHeight, double cropX, double cropY, double warpX, double warpY, double brightness, double contrast)
    {
        // Output → input. Per-image rendering maps input → output as F·R(θ) (y points down, so R(θ) turns
        // clockwise); its inverse is R(−θ)·F, F being its own inverse.
        double radians = -(quarterTurns * 90 + angle) * Math.PI / 180;
        double cos = Math.Cos(radians), sin = Math.Sin(radians);
        if (quarterTurns != 0 && angle == 0)
        {
            // Exact quarter turns: no 6e-17 leftovers.
            cos = Math.Round(cos);
            sin = Math.Round(sin);
        }
        double[] turn = [cos, -sin, 0, sin, cos, 0, 0, 0, 1];
        double[] mirror = [flip ? -1 : 1, 0, 0, 0, 1, 0, 0, 0, 1];
        double[] zoomed = [1 / zoom, 0, (1 - 1 / zoom) * (2 * zoomX - 1), 0, 1 / zoom, (1 - 1 / zoom) * (2 * zoomY - 1), 0, 0, 1];
        double[] crop = [cropWidth, 0, (1 - cropWidth) * (2 * cropX - 1), 0, cropHeight, (1 - cropHeight) * (2 * cropY - 1), 0, 0, 1];
        double[] warp = warpX == 0 && warpY == 0 ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : Keystone(warpX, warpY);
        var h = Multiply(crop, Multiply(warp, Multiply(turn, Multiply(mirror, zoomed))));
        return new BatchAugmentationDraw(h, brightness, contrast);
    }

    /// <summary>The homography that takes each corner (sx, sy) ∈ {−1, 1}² to (sx·(1 + warpX·sy), sy·(1 + warpY·sx)).</summary>
    internal static double[] Keystone(double warpX, double warpY)
    {
        var from = new (double X, double Y)[] { (-1, -1), (1, -1), (-1, 1), (1, 1) };
        var to = from.Select(c => (c.X * (1 + warpX * c.Y), c.Y * (1 + warpY * c.X))).ToArray();
        return ProjectiveMap(from, to);
    }

    /// <summary>The homography (h₃₃ = 1) taking four points to four others: an 8×8 linear system, solved by elimination.</summary>
    internal static double[] ProjectiveMap((double X, double Y)[] from, (double X, double Y)[] to)
    {
        var a = new double[8, 9];
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = from[i];
            var (u, v) = to[i];
            double[] rowU = [x, y, 1, 0, 0, 0, -u * x, -u * y, u];
            double[] rowV = [0, 0, 0, x, y, 1, -v * x, -v * y, v];
            for (int j = 0; j < 9; j++)
            {
                a[2 * i, j] = rowU[j];
                a[2 * i + 1, j] = rowV[j];
            }
        }
        for (int col = 0; col < 8; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < 8; r++)
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                    pivot = r;
            for (int j = 0; j < 9; j++)
                (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            for (int r = 0; r < 8; r++)
            {
                if (r == col)
                    continue;
                double f = a[r, col] / a[col, col];
                for (int j = col; j < 9; j++)
                    a[r, j] -= f * a[col, j];
            }
        }
        var h = new double[9];
        for (int i = 0; i < 8; i++)
            h[i] = a[i, 8] / a[i, i];
        h[8] = 1;
        return h;
    }

    internal static double[] Multiply(double[] a, double[] b)
    {
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        return c;
    }
}
