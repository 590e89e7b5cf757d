using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>Finds the FastCnn step inside a loaded ML.NET model.</summary>
internal static class ModelParts
{
    public static FastCnnTransformer FastCnn(ITransformer model) =>
        Steps(model).OfType<FastCnnTransformer>().FirstOrDefault()
        ?? throw new CliException("The model has no FastCnn step; was it saved by `train`?");

    /// <summary>The same chain with the FastCnn step scoring <paramref name="views"/> augmented views too.</summary>
    public static ITransformer WithTestTimeAugmentation(ITransformer model, int views)
    {
        var steps = Steps(model).Select(s => s is FastCnnTransformer f ? f.WithTestTimeAugmentation(views) : s).ToList();
        return new TransformerChain<ITransformer>([.. steps]);
    }

    private static IEnumerable<ITransformer> Steps(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Steps) : [model];
}
