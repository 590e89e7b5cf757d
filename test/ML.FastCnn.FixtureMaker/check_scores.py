#!/usr/bin/python3
"""Recomputes the recorded scores of the seeded old-format fixtures with PyTorch, independently of FastCnn.

Usage: /usr/bin/python3 test/ML.FastCnn.FixtureMaker/check_scores.py test/ML.FastCnn.Tests/Fixtures
(Debian's python3-torch and python3-torchvision; no network.)

For each format-1.N-seeded.zip it reads the weights entry (TorchSharp's format, parsed here), builds
torchvision's ResNet with one basic block per stage and the stored head (torchvision's fc, or fast.ai's
concat-pool head written out below), and scores the images whose pixels it can reproduce without Skia:
  square-32x32.png: already the model's size, so the renderer copies it (no resampling);
  tall-20x28.png:   enlarged by Skia's high-quality filter, a Mitchell-Netravali bicubic (B = C = 1/3) over
                    the mirrored image, computed here (rounded to 8 bits here, as Skia does; measured within 1.1e-5).
wide-48x30.png is shrunk (Skia's mipmaps): not reproduced; its recorded scores are FastCnn's own.
ImageNet mean/std normalisation, BatchNorm in eval mode, softmax. Prints each difference; exits 1 when one
exceeds the tolerance.
"""
import io
import math
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torchvision.models.resnet import BasicBlock, ResNet

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SIZE = 32
CROPPED = {"format-1.6-seeded.zip"}  # its stored resize method (FixtureSpec.All); the others squish
DTYPES = {6: (np.float32, 4), 4: (np.int64, 8)}  # TorchSharp ScalarType codes used by the fixtures


def leb128(stream):
    result, shift = 0, 0
    while True:
        byte = stream.read(1)[0]
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result


def read_state_dict(data):
    """TorchSharp's Module.save: count, then per entry a .NET string name and a tensor (type, rank, shape, bytes)."""
    stream = io.BytesIO(data)
    state = {}
    for _ in range(leb128(stream)):
        name = stream.read(leb128(stream)).decode("utf-8")
        dtype, width = DTYPES[leb128(stream)]
        shape = [leb128(stream) for _ in range(leb128(stream))]
        count = math.prod(shape)
        state[name] = torch.from_numpy(np.frombuffer(stream.read(count * width), dtype=dtype).reshape(shape).copy())
    assert stream.read() == b"", "bytes left after the state dict"
    return state


class FastaiHead(nn.Module):
    """fast.ai's create_head after AdaptiveConcatPool2d (max, then average): BN, dropout, Linear, ReLU, BN, dropout, Linear."""

    def __init__(self, features, classes):
        super().__init__()
        self.bn1 = nn.BatchNorm1d(features)
        self.lin1 = nn.Linear(features, 512, bias=False)
        self.bn2 = nn.BatchNorm1d(512)
        self.lin2 = nn.Linear(512, classes)

    def forward(self, x):
        return self.lin2(self.bn2(torch.relu(self.lin1(self.bn1(x)))))


class Network(nn.Module):
    def __init__(self, state, classes):
        super().__init__()
        self.resnet = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=classes)
        self.fastai = any(k.startswith("head.") for k in state)
        if self.fastai:
            self.head = FastaiHead(1024, classes)
            self.resnet.fc = nn.Identity()
            body = {k: v for k, v in state.items() if not k.startswith("head.")}
            missing, unexpected = self.resnet.load_state_dict(body, strict=False)
            assert not unexpected and not missing, (missing, unexpected)
            self.head.load_state_dict({k[len("head."):]: v for k, v in state.items() if k.startswith("head.")})
        else:
            self.resnet.load_state_dict(state)
        self.eval()

    def forward(self, x):
        if not self.fastai:
            return self.resnet(x)
        r = self.resnet
        x = r.maxpool(r.relu(r.bn1(r.conv1(x))))
        x = r.layer4(r.layer3(r.layer2(r.layer1(x))))
        pooled = torch.cat([torch.amax(x, dim=(2, 3)), torch.mean(x, dim=(2, 3))], 1)
        return self.head(pooled)


def mitchell(x, b=1 / 3, c=1 / 3):
    x = abs(x)
    if x < 1:
        return ((12 - 9 * b - 6 * c) * x ** 3 + (-18 + 12 * b + 6 * c) * x ** 2 + (6 - 2 * b)) / 6
    if x < 2:
        return ((-b - 6 * c) * x ** 3 + (6 * b + 30 * c) * x ** 2 + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6
    return 0.0


def mirror(j, n):
    period = 2 * n
    j %= period
    return j if j < n else period - 1 - j


def resample_matrix(source, target, start=0.0, extent=None):
    """[target, source] weights of a Mitchell bicubic over the mirrored image: source pixels start..start+extent
    (the whole side by default) onto target pixels, pixel centres aligned."""
    extent = source if extent is None else extent
    m = np.zeros((target, source))
    for i in range(target):
        s = start + (i + 0.5) * extent / target - 0.5
        first = math.floor(s) - 1
        for j in range(first, first + 4):
            m[i, mirror(j, source)] += mitchell(s - j)
    return m


def pixels(path, crop):
    """The network's input: squished, or (crop) the largest centred square, as FastCnn's renderer places it."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)  # H, W, 3
    h, w, _ = rgb.shape
    if (h, w) != (SIZE, SIZE):
        side = min(h, w) if crop else None
        rows = resample_matrix(h, SIZE, (h - side) / 2 if crop else 0.0, side)
        cols = resample_matrix(w, SIZE, (w - side) / 2 if crop else 0.0, side)
        rgb = np.einsum("ih,hwc,jw->ijc", rows, rgb, cols)
        rgb = np.clip(np.round(rgb), 0, 255)
    x = (rgb.astype(np.float32) / 255 - MEAN) / STD
    return torch.from_numpy(x.transpose(2, 0, 1).copy()).unsqueeze(0)


def main(fixtures):
    fixtures = Path(fixtures)
    checked = {"square-32x32.png": 2e-6, "tall-20x28.png": 5e-5}
    worst_ok = True
    for zip_path in sorted(fixtures.glob("format-1.*-seeded.zip")):
        with zipfile.ZipFile(zip_path) as z:
            state = read_state_dict(z.read("TransformerChain/Transform_002/FastCnnWeights"))
        lines = (zip_path.parent / zip_path.name.replace(".zip", ".scores.tsv")).read_text().splitlines()
        classes = lines[0].split("\t")[1:]
        network = Network(state, len(classes))
        for line in lines[1:]:
            name, *recorded = line.split("\t")
            if name not in checked:
                print(f"{zip_path.name} {name}: not reproduced here (recorded by FastCnn)")
                continue
            with torch.no_grad():
                probabilities = torch.softmax(network(pixels(fixtures / "images" / name, zip_path.name in CROPPED)), 1)[0].numpy()
            difference = float(np.max(np.abs(probabilities - np.array([float(v) for v in recorded]))))
            ok = difference <= checked[name]
            worst_ok &= ok
            print(f"{zip_path.name} {name}: PyTorch {np.array2string(probabilities, precision=6)} max |diff| {difference:.2e} "
                  f"(tolerance {checked[name]:.0e}) {'ok' if ok else 'DIFFERS'}")
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "test/ML.FastCnn.Tests/Fixtures"))
