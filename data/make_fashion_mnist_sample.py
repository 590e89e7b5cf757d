#!/usr/bin/env python3
"""Regenerates data/fashion-mnist-sample: a small Fashion-MNIST subset in fast.ai's
dogscats folder layout (train/<class>/*.png, valid/<class>/*.png).

Source: the Debian package `dataset-fashion-mnist` (apt-get install dataset-fashion-mnist),
which installs Zalando Research's IDX files under /usr/share/datasets/fashion-mnist/.
Fashion-MNIST is MIT-licensed (Copyright (c) 2017 Zalando SE); see LICENSE in that folder.

The first TRAIN_PER_CLASS images of each class in the training file go to train/, the
first VALID_PER_CLASS of each class in the test file to valid/. Standard library only.
"""
import gzip
import os
import shutil
import struct
import sys
import zlib

SOURCE = "/usr/share/datasets/fashion-mnist"
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-sample")
CLASSES = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
TRAIN_PER_CLASS = 200
VALID_PER_CLASS = 50


def read_idx(name):
    with gzip.open(os.path.join(SOURCE, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png_grey(width, height, pixels):
    """A minimal 8-bit greyscale PNG."""
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def export(images_file, labels_file, subset, per_class):
    (count, rows, cols), images = read_idx(images_file)
    _, labels = read_idx(labels_file)
    taken = [0] * len(CLASSES)
    for i in range(count):
        label = labels[i]
        if taken[label] >= per_class:
            continue
        folder = os.path.join(TARGET, subset, CLASSES[label])
        os.makedirs(folder, exist_ok=True)
        pixels = images[i * rows * cols:(i + 1) * rows * cols]
        with open(os.path.join(folder, f"{i:05d}.png"), "wb") as f:
            f.write(png_grey(cols, rows, pixels))
        taken[label] += 1
        if min(taken) >= per_class:
            break


def main():
    if not os.path.isdir(SOURCE):
        sys.exit(f"{SOURCE} not found: apt-get install dataset-fashion-mnist")
    shutil.rmtree(TARGET, ignore_errors=True)
    export("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "train", TRAIN_PER_CLASS)
    export("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "valid", VALID_PER_CLASS)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
