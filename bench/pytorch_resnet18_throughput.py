#!/usr/bin/env python3
"""PyTorch baseline for docs/benchmarks.md: training images/s of torchvision's ResNet18 on
Fashion-MNIST images held in memory, with the optimizer FastCnn uses (AdamW, betas 0.9/0.99,
eps 1e-5, weight decay 0.01), so it can be set against
`dotnet run --project bench/ML.FastCnn.Bench -c Release -- pipeline` run with the same size and batch. Needs Debian's python3-torch, python3-torchvision and
dataset-fashion-mnist; run it with /usr/bin/python3.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torchvision

SOURCE = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def images(count):
    with gzip.open(SOURCE, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(data[: count * 784].reshape(count, 1, 28, 28).copy())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: one per core; Debian's build defaults to 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads or os.cpu_count())

    torch.manual_seed(1)
    x = images(args.batch).float().div(255).expand(-1, 3, -1, -1)
    x = torch.nn.functional.interpolate(x, size=(args.size, args.size), mode="bilinear", align_corners=False)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = (x - mean) / std
    y = torch.randint(0, 10, (args.batch,))

    model = torchvision.models.resnet18(num_classes=10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
    model.train()
    best = 0.0
    for _ in range(3):  # a warm-up pass, then two timed, the best kept, as the .NET benchmark does
        steps = -(-args.images // args.batch)
        start = time.perf_counter()
        for _ in range(steps):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        best = max(best, steps * args.batch / (time.perf_counter() - start))
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads): ResNet18, {args.size} px, batch {args.batch}: "
          f"training {best:.1f} img/s")


if __name__ == "__main__":
    main()
