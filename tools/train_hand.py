#!/usr/bin/env python3
"""Train the hand-print character classifier (`pipeline/reading/models/hand.onnx`), reproducibly from this file.

    python tools/train_hand.py [--typed] [--more] [--fonts DIR] [--lines 40000] [--seed 7] [--epochs 8] [--data FILE]
                               [--out FILE]

Data: lines of characters (words with and without accents, names, dates, codes, amounts, e-mail addresses) written
in the handwriting typefaces of the npm registry's `@fontsource/*` packages (fetched with `npm pack` into --fonts,
pinned to one version), each character drawn on its own with its own size, turn, slant and rise, the pen wider or
thinner, the line warped elastically, blurred, resampled as a 200-dpi or fax scan is, and binarized. Each line is
cut into glyphs by the reader's own `hand.glyphs`, and each glyph is labelled with the character whose ink it
holds; glyphs holding two characters or more are a class of their own (`hand.TOUCHING`, which the reader cuts),
glyphs holding part of one are left out: the classifier learns on what the reader will hand it. Every fifth
typeface (`TUNING`) is kept out of training, for tuning (`bench/handprint.py --fonts tuning`); Debian's
handwriting fonts, which `bench/handprint.py` measures with, are never used here.

With `--typed`, the same reader is trained on typed print (`pipeline/reading/models/typed.onnx`): the same lines
typed in the regular and bold faces of the 40 typefaces of `tools/train_print.py` (its 8 tuning faces kept out
likewise), each character where the typeface sets it (no slant, no turn, no rise, no elastic warp; the letters
spaced a little wider or tighter), then scanned the same ways. The typefaces the benches type in are never used.

Training needs PyTorch, an optional install of its own, CPU build (`pip install torch==2.13.0 --index-url
https://download.pytorch.org/whl/cpu`), and `pip install -e .[train]`; reading needs neither: the model is written
as ONNX, which OpenCV's DNN module runs (`hand.Model`). 40,000 lines make 190,000 glyphs in about 7 minutes on
2 cores, 8 epochs take 5 more.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import tarfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import train_print  # noqa: E402
from pipeline.reading import hand  # noqa: E402

VERSION = "5.3.0"
FAMILIES = ("annie-use-your-telescope", "architects-daughter", "caveat", "caveat-brush", "coming-soon",
            "covered-by-your-grace", "crafty-girls", "dawning-of-a-new-day", "delius", "fuzzy-bubbles", "gaegu",
            "gloria-hallelujah", "gochi-hand", "handlee", "indie-flower", "itim", "just-another-hand",
            "just-me-again-down-here", "kalam", "la-belle-aurore", "loved-by-the-king", "mali", "mynerve",
            "nanum-pen-script", "neucha", "nothing-you-could-do", "over-the-rainbow", "patrick-hand",
            "permanent-marker", "playpen-sans", "reenie-beanie", "rock-salt", "schoolbell", "shadows-into-light",
            "short-stack", "sriracha", "sue-ellen-francisco", "swanky-and-moo-moo", "the-girl-next-door",
            "waiting-for-the-sunrise", "walter-turncoat", "zeyada")
TUNING = FAMILIES[::5]  # kept out of training: tuning only
TRAINING = tuple(f for f in FAMILIES if f not in TUNING)
# More hands, which the line reader (tools/train_lines.py) learns from besides: school scripts joined and not
# (Canada's and France's, Australia's print), cursive ones, capitals-only ones; every fifth kept for tuning
MORE_FAMILIES = ("amatic-sc", "bad-script", "cedarville-cursive", "chilanka", "dekko", "delius-unicase",
                 "edu-nsw-act-foundation", "edu-qld-beginner", "edu-sa-beginner", "edu-tas-beginner",
                 "edu-vic-wa-nt-beginner", "grape-nuts", "homemade-apple", "kristi", "mansalva", "marck-script",
                 "nerko-one", "pangolin", "patrick-hand-sc", "playwrite-ca", "playwrite-fr-moderne",
                 "playwrite-fr-trad", "rancho", "sedgwick-ave", "shadows-into-light-two", "shantell-sans", "sofadi-one",
                 "square-peg", "sunshiney", "unkempt")
MORE_TUNING = MORE_FAMILIES[::5]
MORE_TRAINING = tuple(f for f in MORE_FAMILIES if f not in MORE_TUNING)
CACHE = Path.home() / ".cache" / "demat" / "fontsource"

LOWER = "abcdefghijklmnopqrstuvwxyz"
ACCENTED = "àâçèéêëîïôùûü"
DIGITS = "0123456789"
MARKS = "-'.,/()&@:"
CLASSES = DIGITS + LOWER.upper() + ACCENTED.upper() + LOWER + ACCENTED + MARKS + hand.TOUCHING
# How often each letter comes in French words (per mille, accents as in French text)
FREQ = dict(zip(LOWER + ACCENTED, (76, 9, 33, 37, 147, 11, 9, 7, 75, 6, 1, 55, 30, 71, 54, 25, 14, 66, 79, 72, 63,
                                   18, 2, 4, 3, 1, 5, 1, 3, 3, 19, 3, 1, 1, 1, 1, 1, 1, 1)))


def fetch(families: tuple[str, ...], cache: Path = CACHE) -> list[Path]:
    """Each family's regular Latin face (a WOFF file), fetched once with `npm pack` into `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for fam in families:
        font = cache / f"{fam}.woff"
        if not font.exists():
            with tarfile.open(train_print.npm_pack(fam, VERSION, cache)) as t:
                names = [m for m in t.getnames() if m.endswith("-latin-400-normal.woff")]
                names = names or sorted(m for m in t.getnames() if "-latin-" in m and m.endswith("normal.woff"))
                font.write_bytes(t.extractfile(names[0]).read())
        out.append(font)
    return out


def typefaces(typed: bool, fonts: Path = CACHE, more: bool = False) -> tuple[list[Path], list[Path]]:
    """The training and the tuning typefaces: handwriting ones (with `more`, MORE_FAMILIES' too), or with `typed`
    those of tools/train_print.py."""
    if typed:
        fonts = fonts if fonts != CACHE else train_print.CACHE
        return train_print.fetch(train_print.TRAINING, fonts), train_print.fetch(train_print.TUNING, fonts)
    extra = (MORE_TRAINING, MORE_TUNING) if more else ((), ())
    return fetch(TRAINING + extra[0], fonts), fetch(TUNING + extra[1], fonts)


def seeded_torch(seed: int, jobs: int):
    """PyTorch, seeded, on `jobs` threads. Unset OMP_THREAD_LIMIT to train: at 1, PyTorch crawls."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(max(1, jobs))
    return torch


def text(rng: random.Random) -> str:
    """A line as forms are filled: words, names, numbers, dates, codes, amounts, addresses."""
    letters, weights = zip(*FREQ.items())

    def word(n: int) -> str:
        return "".join(rng.choices(letters, weights, k=n))

    kind = rng.random()
    if kind < 0.45:
        words = [word(rng.randint(1, 9)) for _ in range(rng.randint(1, 3))]
        case = rng.random()
        words = [w.upper() for w in words] if case < 0.35 else [w.capitalize() for w in words] if case < 0.7 else words
        sep = rng.choice([" ", " ", " ", "-", "'", " & ", ", "])
        return sep.join(words)
    if kind < 0.6:
        return "".join(rng.choices(DIGITS, k=rng.randint(1, 10)))
    if kind < 0.7:
        d, m, y = rng.randint(1, 31), rng.randint(1, 12), rng.randint(1930, 2029)
        return rng.choice([f"{d:02d}/{m:02d}/{y}", f"{d:02d}{m:02d}{y}", f"{y}-{m:02d}-{d:02d}",
                           f"{d:02d}.{m:02d}.{y}"])
    if kind < 0.8:
        up = LOWER.upper()
        return "".join(rng.choice(up + DIGITS + "-") for _ in range(rng.randint(2, 9))).strip("-") or "A"
    if kind < 0.88:
        amount = f"{rng.randint(1, 99999):,}".replace(",", rng.choice([" ", "."]))
        return amount + rng.choice(["", f",{rng.randint(0, 99):02d}"])
    if kind < 0.94:
        user = f"{word(rng.randint(2, 7))}.{word(rng.randint(2, 8))}"
        return f"{user}@{word(rng.randint(3, 7))}.{rng.choice(['fr', 'ca', 'com'])}"
    return f"({rng.randint(100, 999)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def write(line: str, font_path: Path, rng: random.Random, fonts: dict, spacing: tuple[float, float] = (0.9, 1.25),
          space: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The line drawn by one hand, at 300 dpi: its ink (0..1), and which character (its index in `line`, -1 for
    none) each pixel's ink belongs to. By hand, each character advances by its width times a factor drawn in
    `spacing`, and a word space by its width times `space` more."""
    from PIL import Image, ImageDraw, ImageFont

    typed = fonts.get("typed", False)
    px = rng.randint(28, 60) if typed else rng.randint(30, 66)
    font = fonts.setdefault((font_path, px), ImageFont.truetype(str(font_path), px))
    if typed:
        slant, pen = 0.0, rng.choice([-1, 0, 0, 0, 1])
    else:
        slant, pen = rng.uniform(-0.15, 0.3), rng.choice([-1, 0, 0, 1, 1, 2])
    turn_by, size_by, rise_by = (0.4, 0.0, 0.0) if typed else (5, 0.1, 0.05)
    track = rng.uniform(-0.01, 0.04) * px if typed else 0.0  # how much a typeface's letters are spaced
    asc, desc = font.getmetrics()
    pad = px // 2
    width = int(sum(font.getlength(c) for c in line) * 1.3) + 4 * px
    height = asc + desc + 2 * px
    ink = np.zeros((height, width), np.float32)
    owner = np.full((height, width), -1, np.int16)
    x, base = float(px), px + asc
    for i, c in enumerate(line):
        w = int(font.getlength(c)) + 2 * pad
        img = Image.new("L", (w, asc + desc + 2 * pad), 0)
        ImageDraw.Draw(img).text((pad, pad + asc), c, font=font, fill=255, anchor="ls")
        m = np.asarray(img, np.float32) / 255
        oy = pad + asc
        turn = cv2.getRotationMatrix2D((pad, oy), rng.uniform(-turn_by, turn_by),
                                       rng.uniform(1 - size_by, 1 + size_by))
        shear = np.float32([[1, -slant, slant * oy], [0, 1, 0], [0, 0, 1]])
        m = cv2.warpAffine(m, (np.vstack([turn, [0, 0, 1]]) @ shear)[:2], (m.shape[1], m.shape[0]))
        top, left = int(base + rng.uniform(-rise_by, rise_by) * px) - oy, int(x) - pad
        part = ink[top:top + m.shape[0], left:left + m.shape[1]]
        m = m[:part.shape[0], :part.shape[1]]
        owner[top:top + m.shape[0], left:left + m.shape[1]][(m > 0.5) & (m > part)] = i
        np.maximum(part, m, out=part)
        if typed:
            x += font.getlength(c) + track
        else:
            x += font.getlength(c) * rng.uniform(*spacing) * (space if c == " " else 1.0) + (
                rng.uniform(0.0, 0.12) * px if c != " " else 0)
    if not typed:
        ink, owner = _elastic(ink, owner, rng)
    if pen > 0:
        ink = cv2.dilate(ink, np.ones((pen + 1, pen + 1), np.uint8))
        owner = cv2.dilate(owner + 1, np.ones((pen + 1, pen + 1), np.uint8)) - 1
    elif pen < 0:
        ink = cv2.erode(ink, np.ones((2, 2), np.uint8))
    return ink, owner


def _elastic(img: np.ndarray, owner: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    h, w = img.shape
    a, s = rng.uniform(0, 3.0), rng.uniform(6, 12)
    g = np.random.default_rng(rng.randrange(1 << 30))
    dx = cv2.GaussianBlur(g.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), s) * a * s
    dy = cv2.GaussianBlur(g.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), s) * a * s
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return (cv2.remap(img, xs + dx, ys + dy, cv2.INTER_LINEAR),
            cv2.remap(owner, xs + dx, ys + dy, cv2.INTER_NEAREST, borderValue=-1))


def scanned(ink: np.ndarray, rng: random.Random) -> np.ndarray:
    """The ink as the reader sees it once scanned and binarized: True where ink."""
    gray = 255 - ink * rng.uniform(150, 245)
    kind = rng.random()
    if kind < 0.25:  # 200 dpi or 240 dpi, brought back to 300
        k = rng.uniform(0.66, 0.8)
        small = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        gray = cv2.resize(small, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    elif kind < 0.4:  # fax: 200 x 100 dpi, hard black and white
        small = cv2.resize(gray, None, fx=0.66, fy=0.33, interpolation=cv2.INTER_AREA)
        small = np.where(small < 150, 0, 255).astype(np.float32)
        gray = cv2.resize(small, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    gray = cv2.GaussianBlur(gray, (0, 0), rng.uniform(0.3, 1.2))
    gray += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(0, 12), gray.shape)
    g8 = np.clip(gray, 0, 255).astype(np.uint8)
    g8 = cv2.medianBlur(g8, 3)
    t, _ = cv2.threshold(g8, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return g8 < t


def samples(font: Path, line: str, rng: random.Random, fonts: dict) -> tuple[np.ndarray, list[int]]:
    """The reader's feature rows for the glyphs of one written line, and each one's class (glyphs that are not
    one whole character are left out)."""
    ink, owner = write(line, font, rng, fonts)
    seen = scanned(ink, rng)
    cut = hand.glyphs(seen)
    if not cut:
        return np.zeros((0, hand.SHAPE + hand.GEOMETRY), np.float32), []
    whose = np.where(seen, owner, -1)
    totals = np.bincount(whose[whose >= 0], minlength=len(line))
    keep, labels = [], []
    for k, g in enumerate(cut):
        mine = whose[g.y0:g.y1, g.x0:g.x1][g.mask]
        counts = np.bincount(mine[mine >= 0], minlength=len(line))
        i = int(counts.argmax())
        if counts[i] >= 0.85 * max(1, mine.size) and counts[i] >= 0.8 * totals[i] and line[i] in CLASSES:
            keep.append(k)
            labels.append(CLASSES.index(line[i]))
        elif (counts >= 0.6 * np.maximum(totals, 1)).sum() >= 2:  # two characters or more that touch
            keep.append(k)
            labels.append(CLASSES.index(hand.TOUCHING))
    rows = hand.features(cut)
    return rows[keep], labels


def has_all(font: Path, line: str) -> bool:
    cmap = _cmap(font)
    return all(ord(c) in cmap for c in line if c != " ")


@functools.lru_cache(maxsize=None)
def _cmap(font: Path) -> frozenset[int]:
    """The characters a typeface draws."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(font)).getBestCmap())


CHUNK = 500  # lines written with one random generator: the set is the same whatever the number of processes


def _chunk(job: tuple[list[Path], int, int, int, bool]) -> tuple[np.ndarray, list[int]]:
    fonts, start, count, seed, typed = job
    rng = random.Random(seed * 100_003 + start)
    cache: dict = {"typed": typed}
    xs, ys = [np.zeros((0, hand.SHAPE + hand.GEOMETRY), np.float32)], []
    for n in range(start, start + count):
        font = fonts[n % len(fonts)]
        line = text(rng)
        if not has_all(font, line):
            continue
        x, y = samples(font, line, rng, cache)
        xs.append(x)
        ys += y
    return np.concatenate(xs), ys


def dataset(fonts: list[Path], lines: int, seed: int, jobs: int = 2, typed: bool = False
            ) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and classes of the glyphs of `lines` lines, written (or `typed`) in `fonts` in turn."""
    from multiprocessing import get_context

    work = [(fonts, start, min(CHUNK, lines - start), seed, typed) for start in range(0, lines, CHUNK)]
    with get_context("spawn").Pool(jobs) as pool:
        parts = pool.map(_chunk, work)
    return np.concatenate([x for x, _ in parts]), np.array([c for _, y in parts for c in y])


def _net_class():
    import torch
    from torch import nn

    class Net(nn.Module):
        """The glyph's shape through two convolutions (each with ReLU and 2x2 max pooling), then, with its
        geometry, a hidden layer and the classes."""

        def __init__(self, classes: int, hidden: int):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1)
            self.f1 = nn.Linear(32 * (hand.SIDE // 4) ** 2 + hand.GEOMETRY, hidden)
            self.f2 = nn.Linear(hidden, classes)
            self.drop = nn.Dropout(0.3)

        def forward(self, x):
            img = x[:, :hand.SHAPE].reshape(-1, 1, hand.SIDE, hand.SIDE)
            h = torch.max_pool2d(torch.relu(self.c1(img)), 2)
            h = torch.max_pool2d(torch.relu(self.c2(h)), 2)
            h = torch.cat([h.flatten(1), x[:, hand.SHAPE:]], dim=1)
            return self.f2(self.drop(torch.relu(self.f1(h))))

    return Net


def Net(classes: int, hidden: int):
    return _net_class()(classes, hidden)


def accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    import torch

    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(torch.from_numpy(x[k:k + 4096])).argmax(1) for k in range(0, len(x), 4096)])
    return float((pred.numpy() == y).mean())


def _reader_accuracy(m: hand.Model, x: np.ndarray, y: np.ndarray) -> float:
    pred = np.concatenate([m.probabilities(x[k:k + 2048]).argmax(1) for k in range(0, len(x), 2048)])
    return float((pred == y).mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fonts", type=Path, default=CACHE)
    ap.add_argument("--lines", type=int, default=40000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--out", type=Path,
                    help=f"the model file ({hand.MODEL.name}; {hand.TYPED_MODEL.name} with --typed)")
    ap.add_argument("--typed", action="store_true", help="train the reader of typed print, on the typefaces of "
                    "tools/train_print.py (regular and bold), each line typed as a printer does: no slant, no turn, "
                    "letters a typeface's width apart")
    ap.add_argument("--more", action="store_true", help="write in MORE_FAMILIES' typefaces too (57 handwriting "
                    "typefaces to train on instead of 33; their tuning ones kept out likewise)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data", type=Path, help="keep the glyphs' feature rows in this file, and read them from it")
    args = ap.parse_args()
    torch = seeded_torch(args.seed, args.jobs)
    t0 = time.monotonic()
    args.out = args.out or (hand.TYPED_MODEL if args.typed else hand.MODEL)
    train, tuning = typefaces(args.typed, args.fonts, more=args.more)
    if args.data and args.data.exists():
        with np.load(args.data) as z:
            x, y, xt, yt = z["x"], z["y"], z["xt"], z["yt"]
    else:
        x, y = dataset(train, args.lines, args.seed, args.jobs, args.typed)
        xt, yt = dataset(tuning, max(500, args.lines // 8), args.seed + 1, args.jobs, args.typed)
        if args.data:
            np.savez_compressed(args.data, x=x, y=y, xt=xt, yt=yt)
    print(f"{len(y)} training glyphs ({len(train)} typefaces), {len(yt)} tuning glyphs, "
          f"{time.monotonic() - t0:.0f} s")
    net = Net(len(CLASSES), args.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.epochs * (len(y) // 256 + 1))
    xs, ys = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(ys), generator=gen)
        for k in range(0, len(ys), 256):
            idx = order[k:k + 256]
            loss = torch.nn.functional.cross_entropy(net(xs[idx]), ys[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}: training {accuracy(net, x, y):.3f}, tuning typefaces {accuracy(net, xt, yt):.3f}, "
              f"{time.monotonic() - t0:.0f} s", flush=True)
    net.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(net, torch.from_numpy(x[:2]), str(args.out), input_names=["glyphs"], output_names=["scores"],
                      dynamic_axes={"glyphs": {0: "n"}, "scores": {0: "n"}}, opset_version=17, dynamo=False)
    args.out.with_suffix(".classes").write_text(CLASSES + "\n", encoding="utf-8")
    m = hand.Model(args.out, CLASSES)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, {len(CLASSES)} classes); read back by the "
          f"reader: tuning typefaces {_reader_accuracy(m, xt, yt):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
