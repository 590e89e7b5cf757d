namespace ML.FastCnn;

/// <summary>What scoring and saving need of a trained model: the network with its classes, how it scores, and where scoring reports (its engine choice).</summary>
internal sealed record ScoringModel(ImageClassifier Classifier, ScoringSettings Settings, MLNetLog Log);
