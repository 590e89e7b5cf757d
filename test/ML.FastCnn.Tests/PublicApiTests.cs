namespace ML.FastCnn.Tests;

/// <summary>
/// ML.FastCnn compiles against publicized ML.NET internals; this keeps its own public surface
/// small and deliberate. Adding a public type means adding it here, on purpose.
/// </summary>
[TestClass]
public sealed class PublicApiTests
{
    [TestMethod]
    public void OnlyIntendedTypesArePublic()
    {
        string[] intended =
        [
            "Microsoft.ML.FastCnnCatalog",
            "ML.FastCnn.Annealing",
            "ML.FastCnn.Augmentation",
            "ML.FastCnn.AugmentationMode",
            "ML.FastCnn.BadImagePolicy",
            "ML.FastCnn.BatchLoss",
            "ML.FastCnn.BatchProgress",
            "ML.FastCnn.BatchStep",
            "ML.FastCnn.CallbackOrder",
            "ML.FastCnn.ClassifierHead",
            "ML.FastCnn.ClassMetrics",
            "ML.FastCnn.ClassView",
            "ML.FastCnn.CnnArchitecture",
            "ML.FastCnn.ComputeDevice",
            "ML.FastCnn.ConfusedPair",
            "ML.FastCnn.CsvField",
            "ML.FastCnn.CustomBackbone",
            "ML.FastCnn.DiagnosticCheck",
            "ML.FastCnn.DivergenceGuard",
            "ML.FastCnn.DownloadProgress",
            "ML.FastCnn.EarlyStopping",
            "ML.FastCnn.EpochResult",
            "ML.FastCnn.FastCnn",
            "ML.FastCnn.FastCnnDiagnosis",
            "ML.FastCnn.FastCnnEstimator",
            "ML.FastCnn.FastCnnInterpretation",
            "ML.FastCnn.FastCnnLearner",
            "ML.FastCnn.FastCnnLearner+Options",
            "ML.FastCnn.FastCnnOptions",
            "ML.FastCnn.FastCnnReport",
            "ML.FastCnn.FastCnnTransformer",
            "ML.FastCnn.FastCnnTransformer+Options",
            "ML.FastCnn.FitContext",
            "ML.FastCnn.FitOutcome",
            "ML.FastCnn.GradientAccumulation",
            "ML.FastCnn.ImageCsvData",
            "ML.FastCnn.ImageCsvOptions",
            "ML.FastCnn.ImageCsvRow",
            "ML.FastCnn.ImageFileCheck",
            "ML.FastCnn.ImageFolderData",
            "ML.FastCnn.ImageFolderOptions",
            "ML.FastCnn.ImageFolderRow",
            "ML.FastCnn.ImagePrediction",
            "ML.FastCnn.ImageScore",
            "ML.FastCnn.ImageTask",
            "ML.FastCnn.KeepBestModel",
            "ML.FastCnn.LearnerCallback",
            "ML.FastCnn.LearningRateFinderOptions",
            "ML.FastCnn.LearningRateFinderResult",
            "ML.FastCnn.LearningRates",
            "ML.FastCnn.LearningRateSchedule",
            "ML.FastCnn.LearningRateSuggestion",
            "ML.FastCnn.ModelCheckpoint",
            "ML.FastCnn.MultiLabelInterpretation",
            "ML.FastCnn.MultiLabelMetrics",
            "ML.FastCnn.MultiLabelPrediction",
            "ML.FastCnn.OptimizerKind",
            "ML.FastCnn.PhaseProgress",
            "ML.FastCnn.PretrainedWeights",
            "ML.FastCnn.RecordedBatch",
            "ML.FastCnn.RecordedEpoch",
            "ML.FastCnn.Recorder",
            "ML.FastCnn.RegressionInterpretation",
            "ML.FastCnn.RegressionLoss",
            "ML.FastCnn.RegressionPrediction",
            "ML.FastCnn.RegressionValueMetrics",
            "ML.FastCnn.ResizeMethod",
            "ML.FastCnn.ScoringEngine",
            "ML.FastCnn.TrainingDivergedException",
            "ML.FastCnn.TrainingMetric",
            "ML.FastCnn.TrainingPlan",
            "ML.FastCnn.TrainingPrecision",
            "ML.FastCnn.TrainingRecipe",
            "ML.FastCnn.UnreadableImageException",
            "ML.FastCnn.ValueRange",
            "ML.FastCnn.WeightSnapshot",
        ];

        var actual = typeof(FastCnn).Assembly.GetExportedTypes().Select(t => t.FullName!).Order().ToArray();

        CollectionAssert.AreEqual(intended, actual, string.Join(", ", actual));
    }

    [TestMethod]
    public void PublicMembersExposeNoMLNetInternalTypes()
    {
        var publicMembers = typeof(FastCnn).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance |
                                          System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
            .ToList();
        var exposed = publicMembers.SelectMany(MemberTypes).Where(t => !t.IsVisible).Select(t => t.FullName).Distinct().ToList();

        Assert.AreEqual(0, exposed.Count, string.Join(", ", exposed));
    }

    private static IEnumerable<Type> MemberTypes(System.Reflection.MemberInfo member) => member switch
    {
        System.Reflection.PropertyInfo p => [p.PropertyType],
        System.Reflection.FieldInfo f => [f.FieldType],
        System.Reflection.MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
        System.Reflection.ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
        _ => [],
    };
}
