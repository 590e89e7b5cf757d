namespace ML.FastCnn;

/// <summary>What scoring and saving need of a trained model: the network with its classes, and how it scores.</summary>
internal sealed record ScoringModel(ImageClassifier Classifier, ScoringSettings Settings);
