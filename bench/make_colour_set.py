#!/usr/bin/python3
"""Build a small colour image-classification folder dataset from Debian packages.

  OUT/train/<class>/*.png  and  OUT/valid/<class>/*.png   (96x96 RGB, white background)

Sources (install first, as root):
  apt-get install -y --no-install-recommends python3-pil librsvg2-bin tuxpaint-stamps-default
  # optional extras:  openclipart-png  (--openclipart)
  #                   ruby-gemojione fonts-noto-color-emoji  (--emoji, separate task)

Usage:  /usr/bin/python3 make_colour_set.py OUT [--openclipart] [--emoji] [--max-per-class N]
Deterministic: files are ordered by md5 of their path, the first 70% of each class go to train.
Run it with Debian's /usr/bin/python3 (python3-pil lives in its dist-packages).
"""
import hashlib, io, json, os, subprocess, sys
from PIL import Image, ImageDraw, ImageFont

Image.MAX_IMAGE_PIXELS = None  # sizes are checked in load()

SIZE, TRAIN_FRAC = 96, 0.7
TUX = "/usr/share/tuxpaint/stamps"
OCA = "/usr/share/openclipart/png"
GEM = "/usr/share/rubygems-integration/all/gems/gemojione-3.3.0"
NOTO = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"

# class -> (tuxpaint sub-folders, openclipart sub-folders); sub-folders are searched recursively
CLASSES = {
    "animals":   (["animals"], ["animals"]),
    "food":      (["food"], ["food"]),
    "plants":    (["plants"], ["plants"]),
    "vehicles":  (["vehicles", "military/vehicles"], ["transportation/vehicles", "transportation/boating"]),
    "buildings": (["town/houses", "town/monuments", "town/cartoon"], ["buildings/homes"]),
    "household": (["household"], []),
    "clothes":   (["clothes"], ["people/clothing"]),
}
EMOJI_CLASSES = ["people", "nature", "food", "travel", "activity", "objects"]


def files_under(root, subs, exts):
    out = []
    for s in subs:
        for dp, _, fs in os.walk(os.path.join(root, s)):
            for f in fs:
                stem, ext = os.path.splitext(f)
                if ext.lower() not in exts or "_mirror" in stem:  # skip mirrored duplicates
                    continue
                if ext.lower() == ".svg" and stem + ".png" in fs:  # same stamp shipped twice
                    continue
                out.append(os.path.join(dp, f))
    return out


def load(path):
    if path.endswith(".svg"):  # render SVG with rsvg-convert (librsvg2-bin)
        png = subprocess.run(["rsvg-convert", "-w", "256", "-h", "256", "--keep-aspect-ratio", path],
                             capture_output=True, check=True).stdout
        return Image.open(io.BytesIO(png))
    im = Image.open(path)
    if im.width * im.height > 16_000_000:  # a few openclipart PNGs are huge: skip, too slow
        raise ValueError("too large")
    return im


def to_square(im):
    """Composite on white, crop to content, pad to a square, resize to SIZE x SIZE RGB."""
    im = im.convert("RGBA")
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    bg.alpha_composite(im)
    rgb = bg.convert("RGB")
    inv = Image.eval(rgb.convert("L"), lambda v: 255 - v)  # non-white content
    box = inv.point(lambda v: 255 if v > 8 else 0).getbbox()
    if box is None:
        return None
    rgb = rgb.crop(box)
    side = int(max(rgb.size) * 1.08) + 2  # small white margin
    sq = Image.new("RGB", (side, side), (255, 255, 255))
    sq.paste(rgb, ((side - rgb.width) // 2, (side - rgb.height) // 2))
    return sq.resize((SIZE, SIZE), Image.LANCZOS)


def colourful(im):
    """Fraction of non-white pixels that are saturated: drops black/white line art and silhouettes."""
    hsv = im.resize((48, 48)).convert("HSV")
    px = [(s, v) for (h, s, v), g in zip(hsv.getdata(), im.resize((48, 48)).convert("L").getdata()) if g < 245]
    return sum(1 for s, v in px if s > 60 and v > 40) / max(1, len(px))


def dhash(im, n=16):
    g = im.convert("L").resize((n + 1, n))
    p = list(g.getdata())
    return sum(1 << (r * n + c) for r in range(n) for c in range(n) if p[r * (n + 1) + c] > p[r * (n + 1) + c + 1])


def key(s):
    return hashlib.md5(s.encode()).hexdigest()


def write_split(out, cls, items):
    """items: list of (split_key, [images]); all images of one key land in the same split."""
    items.sort(key=lambda t: key(t[0]))
    n_train = round(TRAIN_FRAC * len(items))
    counts = {"train": 0, "valid": 0}
    for i, (k, ims) in enumerate(items):
        split = "train" if i < n_train else "valid"
        d = os.path.join(out, split, cls)
        os.makedirs(d, exist_ok=True)
        for j, im in enumerate(ims):
            im.save(os.path.join(d, "%s_%d.png" % (key(k)[:10], j)))
            counts[split] += 1
    return counts


def build_stamps(out, with_openclipart, max_per_class):
    seen = []
    for cls, (tsubs, osubs) in CLASSES.items():
        cand = [("tux", p) for p in sorted(files_under(TUX, tsubs, (".png", ".svg")))]
        if with_openclipart:
            cand += [("oca", p) for p in sorted(files_under(OCA, osubs, (".png",)))]
        items = []
        for src, p in cand:
            try:
                im = to_square(load(p))
            except Exception as e:
                print("skip", p, e, file=sys.stderr)
                continue
            if im is None or (src == "oca" and colourful(im) < 0.25):
                continue
            h = dhash(im)
            if any(bin(h ^ o).count("1") <= 4 for o in seen):  # near-copy (e.g. colour variant)
                continue
            seen.append(h)
            items.append((p, [im]))
        if max_per_class:
            items = sorted(items, key=lambda t: key(t[0]))[:max_per_class]
        c = write_split(out, cls, items)
        print("%-10s train=%3d valid=%3d" % (cls, c["train"], c["valid"]))


def build_emoji(out):
    """Gemojione PNGs (64x64, EmojiOne art) + the same code points drawn with Noto Color Emoji."""
    idx = json.load(open(os.path.join(GEM, "config/index.json")))
    font = ImageFont.truetype(NOTO, 109)
    by = {}
    for name, e in idx.items():
        if e["category"] in EMOJI_CLASSES and "_tone" not in name:
            by.setdefault(e["category"], []).append(e)
    for cls in EMOJI_CLASSES:
        items = []
        for e in by[cls]:
            ims = []
            p = os.path.join(GEM, "assets/png", e["unicode"].upper() + ".png")
            if os.path.exists(p):
                ims.append(to_square(Image.open(p)))
            canvas = Image.new("RGBA", (160, 160), (255, 255, 255, 0))
            ImageDraw.Draw(canvas).text((8, 8), e["moji"], font=font, embedded_color=True)
            if canvas.getbbox():
                ims.append(to_square(canvas))
            ims = [i for i in ims if i is not None]
            if ims:
                items.append((e["unicode"], ims))  # both styles of one emoji stay in one split
        c = write_split(out, cls, items)
        print("%-10s train=%3d valid=%3d" % (cls, c["train"], c["valid"]))


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out = args[0]
    mpc = int(args[args.index("--max-per-class") + 1]) if "--max-per-class" in args else 0
    if "--emoji" in args:
        build_emoji(out)
    else:
        build_stamps(out, "--openclipart" in args, mpc)
