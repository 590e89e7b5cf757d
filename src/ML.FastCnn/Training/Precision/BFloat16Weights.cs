using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Mixed precision by hand (TorchSharp 0.107 has no autocast): the weights of a network's convolutions and linear
/// layers turn bfloat16 for one forward and backward pass (<see cref="Lower"/>) and back to their float32 values
/// for the optimizer (<see cref="Raise"/>), gradients converted to float32 and added to those of earlier batches
/// (gradient accumulation). The parameters keep their identity (libtorch's <c>set_data</c>, PyTorch's
/// <c>param.data = …</c>): the optimizer, layer groups, snapshots and checkpoints only ever see float32 weights.
/// BatchNorm stays float32 (libtorch normalises bfloat16 input with float32 statistics), and so does the loss.
/// Tensors made here belong to the caller's dispose scope (the batch's).
/// </summary>
internal sealed class BFloat16Weights
{
    private readonly Action<Tensor, Tensor> _setData;
    private readonly Parameter[] _parameters;
    private Tensor[]? _float32; // each parameter's own float32 data while lowered
    private Tensor?[]? _float32Gradients;

    private BFloat16Weights(Action<Tensor, Tensor> setData, Parameter[] parameters)
    {
        _setData = setData;
        _parameters = parameters;
    }

    /// <summary>The lowering of every convolution and linear layer of <paramref name="network"/>; null when libtorch cannot swap a parameter's data.</summary>
    public static BFloat16Weights? For(nn.Module network) => For(network.modules());

    /// <summary>The lowering of <paramref name="modules"/>' convolutions and linear layers; null when libtorch cannot swap a parameter's data.</summary>
    public static BFloat16Weights? For(IEnumerable<nn.Module> modules) => LibTorchNative.SetData is { } setData
        ? new(setData, modules.Where(IsLowered).SelectMany(m => m.parameters(recurse: false)).ToArray())
        : null;

    /// <summary>Layers whose work bfloat16 speeds up (matrix products); the rest follows its input's type or stays float32.</summary>
    public static bool IsLowered(nn.Module module) => module is Conv1d or Conv2d or Linear;

    /// <summary>How many parameters turn bfloat16.</summary>
    public int Count => _parameters.Length;

    /// <summary>The input of a lowered forward pass: bfloat16.</summary>
    public static Tensor Input(Tensor input) => input.to(ScalarType.BFloat16);

    /// <summary>The weights become bfloat16 copies of their float32 values; float32 gradients are held until <see cref="Raise"/>.</summary>
    public void Lower()
    {
        if (_float32 is not null)
            throw new InvalidOperationException("The weights are already bfloat16.");
        using var noGrad = no_grad();
        _float32 = new Tensor[_parameters.Length];
        _float32Gradients = new Tensor?[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            _float32[i] = parameter.detach(); // shares the float32 storage the optimizer steps
            _float32Gradients[i] = parameter.grad; // a bfloat16 backward pass cannot add to a float32 gradient
            if (_float32Gradients[i] is not null)
                parameter.grad = null;
            _setData(parameter, _float32[i].to(ScalarType.BFloat16));
        }
    }

    /// <summary>The weights are their float32 values again (unchanged); this pass's gradients, in float32, are added to the held ones.</summary>
    public void Raise()
    {
        if (_float32 is null || _float32Gradients is null)
            throw new InvalidOperationException("The weights are not bfloat16.");
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            var gradient = parameter.grad;
            if (gradient is not null)
                parameter.grad = null;
            _setData(parameter, _float32[i]);
            var held = _float32Gradients[i];
            if (gradient is not null)
                parameter.grad = held is null ? gradient.to(ScalarType.Float32) : held.add_(gradient, KeptAliveScalars.One);
            else if (held is not null)
                parameter.grad = held;
        }
        _float32 = null;
        _float32Gradients = null;
    }
}
