"""Writes torchvision-backbones.json: torchvision's own view of each FastCnn backbone.

Per architecture: every body tensor of the state dict (name and shape; the ImageNet classifier
`fc.*` / `classifier.*` left out), and for the smaller nets the pooled body output (the features the
head reads) of one formula-made image through the network with formula-made weights, so the test can
rebuild both in C# and compare. Run with Debian's python3-torch / python3-torchvision:

    python3 torchvision_backbones.py > torchvision-backbones.json
"""
import json
import math
import sys

import torch
import torchvision
import torchvision.models as models

# FastCnn name -> (torchvision builder, whether features are computed).
ARCHITECTURES = {
    "ResNeXt101_32x8d": ("resnext101_32x8d", False),
    "ResNeXt101_64x4d": ("resnext101_64x4d", False),
    "WideResNet101_2": ("wide_resnet101_2", False),
    "MobileNetV2": ("mobilenet_v2", True),
    "MobileNetV3Large": ("mobilenet_v3_large", True),
    "MobileNetV3Small": ("mobilenet_v3_small", True),
    "EfficientNetB0": ("efficientnet_b0", True),
    "EfficientNetB1": ("efficientnet_b1", True),
    "EfficientNetB2": ("efficientnet_b2", True),
    "EfficientNetB3": ("efficientnet_b3", True),
}
IMAGE_SIZE = 64


def is_head(name):
    return name.startswith("fc.") or name.startswith("classifier.")


def formula(name, shape, state):
    """The same formula as BackboneFixtureTests.Formula: deterministic, well-scaled values."""
    n = 1
    for s in shape:
        n *= s
    base = [math.sin(0.7 * i + 0.1 * len(name)) for i in range(n)]
    stem = name.rsplit(".", 1)[0]
    if name.endswith("running_var"):
        values = [0.75 + 0.25 * b for b in base]
    elif name.endswith("running_mean"):
        values = [0.1 * b for b in base]
    elif name.endswith(".weight") and len(shape) == 1 and (stem + ".running_var") in state:
        values = [1 + 0.2 * b for b in base]
    elif name.endswith(".bias"):
        values = [0.1 * b for b in base]
    else:
        fan_in = n // shape[0]
        scale = math.sqrt(2.0 / fan_in)
        values = [b * scale for b in base]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def image(size):
    n = 3 * size * size
    return torch.tensor([math.sin(0.05 * i) for i in range(n)], dtype=torch.float32).reshape(1, 3, size, size)


def body_features(net, x):
    if hasattr(net, "features"):
        y = net.features(x)
    else:
        y = net.layer4(net.layer3(net.layer2(net.layer1(net.maxpool(net.relu(net.bn1(net.conv1(x))))))))
    return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(y, 1), 1)


def main():
    torch.manual_seed(0)
    out = {"torch": torch.__version__, "torchvision": torchvision.__version__, "image_size": IMAGE_SIZE, "architectures": {}}
    for ours, (name, with_features) in ARCHITECTURES.items():
        net = getattr(models, name)()
        state = net.state_dict()
        entry = {"torchvision": name, "tensors": [[k, list(v.shape)] for k, v in state.items() if not is_head(k)]}
        if with_features:
            with torch.no_grad():
                for k, v in state.items():
                    if v.dtype == torch.float32:
                        v.copy_(formula(k, list(v.shape), state))
                net.eval()
                entry["features"] = [round(float(f), 7) for f in body_features(net, image(IMAGE_SIZE))[0]]
        out["architectures"][ours] = entry
    # One tensor per line, features on one line: small, and diffs read well.
    header = json.dumps({"torch": out["torch"], "torchvision": out["torchvision"], "image_size": IMAGE_SIZE})[1:-1]
    lines = ["{", " " + header + ",", ' "architectures": {']
    names = list(out["architectures"])
    for a, ours in enumerate(names):
        entry = out["architectures"][ours]
        lines.append(f'  "{ours}": {{')
        lines.append(f'   "torchvision": "{entry["torchvision"]}",')
        lines.append('   "tensors": {')
        tensors = entry["tensors"]
        for t, (k, shape) in enumerate(tensors):
            lines.append(f'    "{k}": {json.dumps(shape)}' + ("," if t < len(tensors) - 1 else ""))
        lines.append("   }" + ("," if "features" in entry else ""))
        if "features" in entry:
            lines.append(f'   "features": {json.dumps(entry["features"])}')
        lines.append("  }" + ("," if a < len(names) - 1 else ""))
    lines += [" }", "}"]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
