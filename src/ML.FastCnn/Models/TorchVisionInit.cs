using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>torchvision's initialisation of MobileNet and EfficientNet: convolutions Kaiming-normal (fan out) with zero bias; BatchNorm ones and zeros.</summary>
internal static class TorchVisionInit
{
    public static void Apply(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            if (child is Conv2d conv)
            {
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut);
                if (conv.bias is not null)
                    nn.init.zeros_(conv.bias);
            }
            else if (child is BatchNorm norm)
            {
                nn.init.ones_(norm.weight!);
                nn.init.zeros_(norm.bias!);
            }
        }
    }
}
