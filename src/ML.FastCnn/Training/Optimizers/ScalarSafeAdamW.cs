using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// TorchSharp's AdamW (same parameter groups, state and schedule hooks) with a step that keeps every
/// Scalar it passes to libtorch alive across the call (<see cref="KeptAliveScalars"/>): TorchSharp's
/// own step converts doubles implicitly. Supports what the learner uses: no AMSGrad, minimising.
/// </summary>
internal sealed class ScalarSafeAdamW : AdamW
{
    public ScalarSafeAdamW(IEnumerable<ParamGroup> groups, double beta1, double beta2, double eps)
        : base(groups, lr: 0, beta1: beta1, beta2: beta2, eps: eps)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
        double weightDecay = options.weight_decay!.Value;
        using var decay = (1 - lr * weightDecay).ToScalar();
        using var beta1Scalar = beta1.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } grad)
                continue;
            var state = (State)_state[parameter.Handle];
            state.step += 1;
            if (weightDecay != 0)
                parameter.mul_(decay);
            state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, value: oneMinusBeta2);
            using var biasCorrection2 = Math.Sqrt(1 - Math.Pow(beta2, state.step)).ToScalar();
            using var stepSize = (-lr / (1 - Math.Pow(beta1, state.step))).ToScalar();
            using var denominator = state.exp_avg_sq.sqrt().div_(biasCorrection2).add_(eps, alpha: KeptAliveScalars.One);
            parameter.addcdiv_(state.exp_avg, denominator, value: stepSize);
        }
    }, closure);
}
