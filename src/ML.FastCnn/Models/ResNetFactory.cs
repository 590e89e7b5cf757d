using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates TorchVision ResNets; parameter names match PyTorch's (conv1, bn1, layer1..4, fc).</summary>
internal static class ResNetFactory
{
    public static nn.Module<Tensor, Tensor> Create(ResNetArchitecture architecture, int classCount, Device device) =>
        architecture switch
        {
            ResNetArchitecture.ResNet18 => torchvision.models.resnet18(num_classes: classCount, device: device),
            ResNetArchitecture.ResNet34 => torchvision.models.resnet34(num_classes: classCount, device: device),
            ResNetArchitecture.ResNet50 => torchvision.models.resnet50(num_classes: classCount, device: device),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"Unknown architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}."),
        };
}
