namespace ML.FastCnn;

// Networks of your own: what a process must know to load the models trained with them.
public static partial class FastCnn
{
    /// <summary>
    /// Makes <paramref name="backbone"/> known to this process, so that models trained with it load
    /// (<c>mlContext.Model.Load</c>, <see cref="LoadModel"/>): a model file records the backbone's
    /// <see cref="CustomBackbone.Name"/>, not the code that builds it. Call it before loading, with the definition the model
    /// was trained with (same body, feature width and head); training itself needs no registration. Registering another
    /// definition under the same name replaces the first for models loaded afterwards. Thread-safe.
    /// </summary>
    /// <param name="backbone">The definition, as given to <see cref="FastCnnLearner.Options.CustomBackbone"/> when training.</param>
    /// <exception cref="ArgumentOutOfRangeException">A property of the definition is out of range; the message names it.</exception>
    public static void RegisterBackbone(CustomBackbone backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        backbone.Check();
        CustomBackboneRegistry.Register(backbone);
    }
}
