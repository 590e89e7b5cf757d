using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// TorchSharp's SGD with momentum (same parameter groups, state and schedule hooks) with a step that
/// keeps every Scalar it passes to libtorch alive across the call (<see cref="KeptAliveScalars"/>):
/// TorchSharp's own step converts doubles implicitly. Supports what the learner uses: heavy-ball
/// momentum without dampening or Nesterov, minimising.
/// </summary>
internal sealed class ScalarSafeSgd : SGD
{
    public ScalarSafeSgd(IEnumerable<ParamGroup> groups, double momentum)
        : base(groups, lr: 0, momentum: momentum)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        double weightDecay = options.weight_decay!.Value, momentum = options.momentum!.Value;
        using var decay = weightDecay.ToScalar();
        using var momentumScalar = momentum.ToScalar();
        using var stepSize = (-options.LearningRate!.Value).ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } gradient)
                continue;
            var grad = weightDecay == 0 ? gradient : gradient.add(parameter, alpha: decay);
            if (momentum != 0)
            {
                var state = (State)_state[parameter.Handle];
                if (state.momentum_buffer is null)
                    state.momentum_buffer = grad.clone().detach().DetachFromDisposeScope();
                else
                    state.momentum_buffer.mul_(momentumScalar).add_(grad, alpha: KeptAliveScalars.One);
                grad = state.momentum_buffer;
            }
            parameter.add_(grad, alpha: stepSize);
        }
    }, closure);
}
