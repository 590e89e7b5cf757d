using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ML.FastCnn;

namespace ML.FastCnn.FixtureMaker;

/// <summary>
/// Stands in for FastCnnTransformer inside a saved chain and writes its entry as format 1.<see cref="FixtureSpec.Minor"/>
/// wrote it: the fields of src/ML.FastCnn/MLNet/FastCnnModelFormat.cs's binary-format comment up to that version,
/// under that version's ML.NET version info (the writers of 1.3 de9b805, 1.4 ad1f659, 1.5 23e230f, 1.6 d839335).
/// Only saving is supported.
/// </summary>
internal sealed class OldFormatFastCnn(FixtureSpec spec, byte[] weights) : ITransformer
{
    // What FastCnnModelFormat's loader signature and assembly were in every version.
    private const string LoaderSignature = "FastCnnTransformer";
    private const string WeightsStream = "FastCnnWeights";

    public bool IsRowToRowMapper => false;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => throw new NotSupportedException("A fixture writer only saves.");

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException("A fixture writer only saves.");

    public IDataView Transform(IDataView input) => throw new NotSupportedException("A fixture writer only saves.");

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        // Each version wrote verWrittenCur = verReadableCur = itself and could read back to 1.1.
        ctx.SetVersionInfo(new VersionInfo("FASTCNN ", (uint)spec.Version, (uint)spec.Version, 0x00010001,
            typeof(FastCnnTransformer).Assembly.FullName!, LoaderSignature));
        ctx.Writer.Write((int)spec.Architecture);
        ctx.Writer.Write(spec.ImageSize);
        ctx.Writer.Write(spec.ScoringBatchSize);
        ctx.SaveNonEmptyString("Image");
        ctx.SaveStringOrNull("ImagePath");
        ctx.SaveNonEmptyString("Score");
        ctx.SaveNonEmptyString("PredictedLabel");
        ctx.Writer.Write(spec.ClassNames.Length);
        foreach (var name in spec.ClassNames)
            ctx.SaveString(name);
        // 1.2: blocks per stage.
        var blocks = spec.Blocks ?? [];
        ctx.Writer.Write(blocks.Length);
        foreach (var count in blocks)
            ctx.Writer.Write(count);
        // 1.3: prefetch, test-time augmentation, seed.
        ctx.Writer.Write(spec.PrefetchBatches);
        ctx.Writer.Write(spec.TestTimeAugmentation);
        ctx.Writer.Write(spec.Seed);
        var a = spec.TestTimeAugmentationKind;
        ctx.Writer.Write(a.FlipHorizontal);
        ctx.Writer.Write(a.Dihedral);
        foreach (var value in new[] { a.MaxRotation, a.MaxZoom, a.MinScale, a.MaxLighting, a.AffineProbability, a.LightingProbability })
            ctx.Writer.Write(value);
        if (spec.Minor >= 4)
            ctx.Writer.Write((int)spec.Head);
        else if (spec.Head != ClassifierHead.Linear)
            throw new InvalidOperationException("Format 1.3 had only TorchVision's fc head (Linear).");
        if (spec.Minor >= 5)
        {
            ctx.Writer.Write((long)weights.Length);
            ctx.Writer.Write(SHA256.HashData(weights));
        }
        if (spec.Minor >= 6)
            ctx.Writer.Write((int)spec.Resize);
        else if (spec.Resize != ResizeMethod.Squish)
            throw new InvalidOperationException("Formats before 1.6 always squished.");
        ctx.SaveBinaryStream(WeightsStream, writer => writer.Write(weights));
    }
}
