#!/usr/bin/env python3
"""FastCnn's default recipe, FineTuneOnStoredActivations (formerly "Precompute"; after fast.ai v0.7 lesson 1), in plain PyTorch on full Fashion-MNIST, for
docs/benchmarks.md: test accuracy after every epoch, time to 91% and training images/s of the
unfrozen epochs, set against
`dotnet run --project bench/ML.FastCnn.Bench -c Release -- fashion-mnist --watch` run on the same machine.

Recipe: ResNet18 body + fast.ai head (concat pooling, BatchNorm/Dropout/Linear x2); first the head
alone, one-cycle on activations of the frozen body stored once; then everything, one-cycle with
discriminative learning rates (lr/200 .. lr/2), body BatchNorm frozen (bn_freeze) unless --bn-stats;
AdamW (0.9, 0.99), eps 1e-5, weight decay 0.01 except on BatchNorm parameters and biases.

    /usr/bin/python3 bench/pytorch_fashion_mnist.py --weights start.pth --lr 3e-3 [--augment]

--weights is the state dict FastCnn starts from (`dotnet run --project bench/ML.FastCnn.Bench -c Release -- fashion-mnist --pytorch-weights start.pth`),
or `none` for random weights. Needs Debian's python3-torch, python3-torchvision and
dataset-fashion-mnist; run it with /usr/bin/python3.
"""
import argparse
import gzip
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

FOLDER = "/usr/share/datasets/fashion-mnist"
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
TARGET = 91.0


def load(prefix, size, limit):
    """Images resized once to size x size, kept grey in [0, 1] (normalised per batch, after augmentation), and labels."""
    with gzip.open(f"{FOLDER}/{prefix}-images-idx3-ubyte.gz", "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{FOLDER}/{prefix}-labels-idx1-ubyte.gz", "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    images, labels = images[:limit or None], labels[:limit or None]
    x = torch.from_numpy(images.copy())
    # the 3 channels are identical, so resizing (and augmenting) one is the same and 3x cheaper
    x = torch.cat([F.interpolate(x[i:i + 4096].float().div(255), size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)
                   for i in range(0, len(x), 4096)])
    return x, torch.from_numpy(labels.astype(np.int64))


def normalise(grey):
    return (grey.expand(-1, 3, -1, -1) - MEAN) / STD


def flip(x, mask):
    """Horizontal flip of the images where mask is true."""
    return torch.where(mask.view(-1, 1, 1, 1), x.flip(3), x)


def warp(x, degrees, zoom, cx, cy):
    """Per image: rotate by degrees and zoom in (show a 1/zoom crop centred at (cx, cy) in [-1, 1] coordinates)."""
    rad = degrees * math.pi / 180
    cos, sin = torch.cos(rad) / zoom, torch.sin(rad) / zoom
    theta = torch.stack([torch.stack([cos, -sin, cx], 1), torch.stack([sin, cos, cy], 1)], 1)  # output -> input coordinates
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def augment(x, gen):
    """fast.ai v2-style batch transforms on [0, 1] pixels: flip, affine warp (p 0.75), lighting (p 0.75)."""
    n = len(x)
    u = lambda: torch.rand(n, generator=gen)  # noqa: E731
    sym = lambda: 2 * u() - 1  # noqa: E731  uniform in [-1, 1]
    x = flip(x, u() < 0.5)
    on = (u() < 0.75).float()
    zoom = 1 + on * 0.1 * u()
    room = 1 - 1 / zoom  # how far the crop's centre may move and stay inside the image
    x = warp(x, on * 10 * sym(), zoom, room * sym(), room * sym())
    on = (u() < 0.75).float().view(-1, 1, 1, 1)
    brightness = on * 0.1 * sym().view(-1, 1, 1, 1)
    contrast = torch.exp(on * -math.log(0.8) * sym().view(-1, 1, 1, 1))
    return ((x - 0.5) * contrast + 0.5 + brightness).clamp(0, 1)


def resnet_from(weights):
    """torchvision's ResNet18 (or the block counts the file has: ML.NET's ImageNet ResNet18 is 2-2-2-3) with the file's weights."""
    if weights == "none":
        return torchvision.models.resnet18()
    state = torch.load(weights, map_location="cpu")
    # FastCnn writes its whole starting network; its freshly initialised head is replaced by ours
    ignored = [k for k in state if k.startswith("head.")]
    state = {k: v for k, v in state.items() if not k.startswith("head.")}
    blocks = [len({k.split(".")[1] for k in state if k.startswith(f"layer{s}.")}) for s in range(1, 5)]
    resnet = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, blocks)
    missing, unexpected = resnet.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith("fc.") for k in missing), f"missing {missing}, unexpected {unexpected}"
    print(f"weights {weights}: ResNet with {'-'.join(map(str, blocks))} blocks, {len(state)} tensors"
          f"{f', {len(ignored)} head.* tensors ignored' if ignored else ''}")
    return resnet


class Net(nn.Module):
    def __init__(self, resnet, classes=10):
        super().__init__()
        self.body = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool, resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4)
        features = 2 * resnet.fc.in_features
        self.head = nn.Sequential(nn.BatchNorm1d(features), nn.Dropout(0.25), nn.Linear(features, 512, bias=False), nn.ReLU(inplace=True),
                                  nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, classes))
        for m in self.head:  # fast.ai's init
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm1d):
                nn.init.ones_(m.weight)
                nn.init.constant_(m.bias, 1e-3)

    def features(self, x):
        x = self.body(x)  # fast.ai's AdaptiveConcatPool2d: [max, avg]
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1).flatten(1)

    def forward(self, x):
        return self.head(self.features(x))


def optimizer(layer_groups, max_lrs):
    """AdamW with a decayed and an undecayed param group per layer group (BatchNorm parameters and biases are the 1-d ones)."""
    groups = []
    for modules, lr in zip(layer_groups, max_lrs):
        params = [p for m in modules for p in m.parameters()]
        groups.append({"params": [p for p in params if p.ndim > 1], "weight_decay": 0.01, "max_lr": lr})
        groups.append({"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0, "max_lr": lr})
    return torch.optim.AdamW(groups, lr=max_lrs[0], betas=(0.95, 0.99), eps=1e-5)


def cosine(a, b, t):
    return a + (b - a) * (1 - math.cos(math.pi * t)) / 2


def one_cycle(p, warmup, div, final_div=1e5):
    """fast.ai's one-cycle at progress p: (learning rate factor, beta1)."""
    if p < warmup:
        return cosine(1 / div, 1, p / warmup), cosine(0.95, 0.85, p / warmup)
    t = (p - warmup) / (1 - warmup)
    return cosine(1, 1 / final_div, t), cosine(0.85, 0.95, t)


def fit(name, epochs, opt, warmup, div, n, args, gen, train_mode, loss_of, evaluate, log):
    """One one-cycle fit: shuffled batches (last partial one dropped), lr and beta1 set before every step."""
    batches = n // args.batch
    assert batches > 0, f"{n} training images make no batch of {args.batch}"
    total, step = epochs * batches, 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        train_mode()
        order, loss_sum = torch.randperm(n, generator=gen), 0.0
        for b in range(batches):
            factor, beta1 = one_cycle(step / total, warmup, div)
            for g in opt.param_groups:
                g["lr"], g["betas"] = g["max_lr"] * factor, (beta1, g["betas"][1])
            loss = loss_of(order[b * args.batch:(b + 1) * args.batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step += 1
        train_seconds = time.perf_counter() - start
        with torch.no_grad():
            acc = evaluate()
        log(name, epoch, epochs, loss_sum / batches, acc, time.perf_counter() - start, batches * args.batch, train_seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True, help="state dict of the starting ResNet (torchvision key names), or 'none'")
    parser.add_argument("--lr", type=float, required=True, help="base learning rate (FastCnn's range test's pick)")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--head-epochs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=6, help="unfrozen epochs")
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--bn-stats", action="store_true", help="unfrozen: body BatchNorm uses batch statistics (default: frozen, fast.ai v0.7 bn_freeze)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N training and N test images (smoke tests)")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: one per core; Debian's build defaults to 1)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads or os.cpu_count())
    torch.manual_seed(args.seed)  # head init, dropout
    gen = torch.Generator().manual_seed(args.seed)  # shuffling, augmentation

    start = time.perf_counter()
    train_x, train_y = load("train", args.size, args.limit)
    test_x, test_y = load("t10k", args.size, args.limit)
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads): {len(train_x)} training, {len(test_x)} test images at "
          f"{args.size} px, prepared in {time.perf_counter() - start:.1f} s; lr {args.lr:g}, batch {args.batch}, "
          f"augment {'on' if args.augment else 'off'}, body BatchNorm {'batch statistics' if args.bn_stats else 'frozen'}")
    net = Net(resnet_from(args.weights))
    results, unfrozen = [], [0, 0.0]  # (phase, epoch, acc, elapsed); unfrozen images and training seconds

    def log(name, epoch, epochs, loss, acc, seconds, images, train_seconds):
        elapsed = time.perf_counter() - clock
        results.append((name, epoch, acc, elapsed))
        rate = ""
        if name == "unfrozen":
            unfrozen[0] += images
            unfrozen[1] += train_seconds
            rate = f"  train img/s {images / train_seconds:.1f}"
        print(f"{name} {epoch}/{epochs}  train_loss {loss:.4f}  test_acc {acc:.2f}%  epoch {seconds:.1f} s  elapsed {elapsed:.1f} s{rate}", flush=True)

    def accuracy(logits_of, n):
        correct = sum((logits_of(i).argmax(1) == test_y[i:i + 256]).sum().item() for i in range(0, n, 256))
        return 100.0 * correct / n

    # Phase 1: the head on activations of the frozen body (eval mode), stored once. Elapsed times count
    # from the start of loading the data, as FastCnn's count from the start of Fit (decoding included).
    clock = start
    net.eval()
    with torch.no_grad():
        train_f, test_f = (torch.cat([net.features(normalise(x[i:i + 256])) for i in range(0, len(x), 256)]) for x in (train_x, test_x))
    print(f"stored activations {tuple(train_f.shape)} at {time.perf_counter() - clock:.1f} s", flush=True)
    head = net.head
    fit("head", args.head_epochs, optimizer([[head]], [args.lr]), 0.25, 25, len(train_f), args, gen,
        train_mode=head.train,
        loss_of=lambda idx: F.cross_entropy(head(train_f[idx]), train_y[idx]),
        evaluate=lambda: (head.eval(), accuracy(lambda i: head(test_f[i:i + 256]), len(test_f)))[1],
        log=log)
    del train_f, test_f

    # Phase 2: everything trains, discriminative rates lr/200, sqrt(lr/200 * lr/2), lr/2.
    def unfrozen_mode():
        net.train()
        if not args.bn_stats:  # bn_freeze: the body's BatchNorm keeps (and uses) its running statistics
            for m in net.body.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()

    def unfrozen_loss(idx):
        x = train_x[idx]
        if args.augment:
            x = augment(x, gen)
        return F.cross_entropy(net(normalise(x)), train_y[idx])

    lrs = [args.lr / 200, math.sqrt(args.lr / 200 * args.lr / 2), args.lr / 2]
    groups = [list(net.body[:6]), list(net.body[6:]), [net.head]]
    fit("unfrozen", args.epochs, optimizer(groups, lrs), 0.3, 5, len(train_x), args, gen,
        train_mode=unfrozen_mode, loss_of=unfrozen_loss,
        evaluate=lambda: (net.eval(), accuracy(lambda i: net(normalise(test_x[i:i + 256])), len(test_x)))[1],
        log=log)

    reached = next((r for r in results if r[2] >= TARGET), None)
    print(f"time to {TARGET:.0f}%: {reached[3]:.0f} s ({reached[0]}, epoch {reached[1]})" if reached
          else f"time to {TARGET:.0f}%: not reached (best {max((r[2] for r in results), default=0):.2f}%)")
    print(f"final test accuracy {results[-1][2] if results else 0:.2f}%, training {time.perf_counter() - clock:.0f} s, "
          f"unfrozen training {unfrozen[0] / unfrozen[1] if unfrozen[1] else 0:.1f} img/s (steps only, no evaluation)")


if __name__ == "__main__":
    main()
