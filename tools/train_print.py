#!/usr/bin/env python3
"""Train the typed-code character classifier (`pipeline/reading/models/print.npz`), reproducibly from this file.

    python tools/train_print.py [--fonts DIR] [--per-class 60] [--seed 5] [--epochs 30] [--out FILE]

Data: the capitals and digits typed in the regular and bold faces of 40 typefaces of the npm registry's
`@fontsource/*` packages (sans, serif, narrow and monospaced; fetched with `npm pack` into --fonts, each pinned
to one version), each glyph at 7 to 14 pt at 300 dpi, turned a little, printed darker or lighter, scanned as a
clean, blurred, grainy, low-resolution or JPEG scan is, then binarized as the reader binarizes a zone (median
filter, Otsu's level). Every fifth typeface (`TUNING`) is kept out of training, to measure the classifier on
faces it never saw. The typefaces the benches fill forms in (DejaVu, Liberation, a PDF viewer's base fonts) are
never used here.

Needs nothing beyond reading's own dependencies (numpy, OpenCV) and Pillow: the perceptron is trained with numpy
(Adam, mini-batches), 138,000 glyphs in about 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import io
import random
import subprocess
import sys
import tarfile
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.reading import printed  # noqa: E402

FAMILIES = {  # family: the version of its package
    "archivo-narrow": "5.3.0", "barlow": "5.3.0", "courier-prime": "5.3.0", "crimson-text": "5.3.0",
    "eb-garamond": "5.3.0", "fira-mono": "5.3.0", "fira-sans": "5.3.0", "ibm-plex-mono": "5.3.0",
    "ibm-plex-sans": "5.3.0", "ibm-plex-serif": "5.3.0", "inconsolata": "5.3.0", "inter": "5.3.0",
    "karla": "5.3.0", "lato": "5.3.0", "libre-baskerville": "5.3.0", "lora": "5.3.0", "merriweather": "5.3.0",
    "montserrat": "5.3.0", "noto-sans": "5.3.0", "noto-sans-mono": "5.3.0", "noto-serif": "5.3.0",
    "nunito-sans": "5.3.0", "open-sans": "5.3.0", "oswald": "5.3.0", "overpass": "5.3.0", "poppins": "5.3.0",
    "pt-sans": "5.3.0", "pt-sans-narrow": "5.3.0", "pt-serif": "5.3.0", "roboto": "5.3.0",
    "roboto-condensed": "5.3.0", "roboto-mono": "5.3.0", "rubik": "5.3.0", "source-code-pro": "5.3.1",
    "source-sans-3": "5.3.1", "source-serif-4": "5.3.1", "space-mono": "5.3.0", "ubuntu": "5.3.0",
    "ubuntu-mono": "5.3.0", "work-sans": "5.3.0",
}
NAMES = sorted(FAMILIES)
TUNING = tuple(NAMES[::5])  # kept out of training: tuning only
TRAINING = tuple(f for f in NAMES if f not in TUNING)
WEIGHTS = ("400", "700")
CACHE = Path.home() / ".cache" / "demat" / "fontsource-print"


def npm_pack(family: str, version: str, cache: Path) -> Path:
    """The npm registry's `@fontsource/<family>` package at `version`, fetched once with `npm pack` into `cache`:
    its tarball."""
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / f"fontsource-{family}-{version}.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", f"@fontsource/{family}@{version}", "--silent"], cwd=cache, check=True,
                       stdout=subprocess.DEVNULL)
    return tgz


def fetch(families: tuple[str, ...], cache: Path = CACHE) -> list[Path]:
    """Each family's regular and bold Latin faces (WOFF files), fetched once with `npm pack` into `cache`."""
    out = []
    for fam in families:
        tgz = npm_pack(fam, FAMILIES[fam], cache)
        for weight in WEIGHTS:
            font = cache / f"{fam}-{weight}.woff"
            if not font.exists():
                with tarfile.open(tgz) as t:
                    name = f"package/files/{fam}-latin-{weight}-normal.woff"
                    if name not in t.getnames():
                        continue
                    font.write_bytes(t.extractfile(name).read())
            out.append(font)
    return out


def scan(rng: random.Random) -> dict:
    """How one code is printed and scanned: ink and paper levels, resolution, blur, grain, JPEG, pen."""
    return {"ink": rng.uniform(0, 110), "paper": rng.uniform(185, 255),
            "resample": rng.uniform(0.5, 0.8) if rng.random() < 0.35 else 1.0,  # 150-240 dpi, up again to 300
            "sigma": rng.choice([0, 0, 0.6, 0.9, 1.3]), "grain": rng.choice([0, 4, 10, 20]),
            "jpeg": rng.randint(30, 80) if rng.random() < 0.25 else 0,
            "pen": rng.choice([-1, 1]) if rng.random() < 0.2 else 0, "seed": rng.randrange(1 << 30)}


def scanned(gray: np.ndarray, how: dict, rng: random.Random) -> np.ndarray:
    """A glyph printed on paper (0 ink .. 255 paper) as a scanner and the reader's binarization leave it: bool ink."""
    img = how["paper"] - (255 - gray.astype(np.float32)) / 255 * (how["paper"] - how["ink"])
    h, w = img.shape
    if how["resample"] < 1:
        f = how["resample"]
        small = cv2.resize(img, (max(2, int(w * f)), max(2, int(h * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if how["sigma"]:
        img = cv2.GaussianBlur(img, (0, 0), how["sigma"])
    img = img + np.random.default_rng(rng.randrange(1 << 30)).normal(0, how["grain"], img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if how["jpeg"]:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, how["jpeg"]])
        img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    img = cv2.medianBlur(img, 3)
    _, bw = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    bw = bw == 0
    if how["pen"]:  # a heavier or lighter print than its level shows
        k = np.ones((2, 2), np.uint8)
        bw = (cv2.dilate if how["pen"] > 0 else cv2.erode)(bw.astype(np.uint8), k).astype(bool)
    return bw


def glyph(font, ch: str, how: dict, rng: random.Random) -> np.ndarray:
    """`ch` typed in `font` (a FreeType font at its size), turned a little, scanned `how`: its ink."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(ch)
    pad = 8
    img = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(img).text((pad - left, pad - top), ch, font=font, fill=0)
    g = np.asarray(img)
    turn = cv2.getRotationMatrix2D((g.shape[1] / 2, g.shape[0] / 2), rng.uniform(-1.5, 1.5), 1.0)
    g = cv2.warpAffine(g, turn, (g.shape[1], g.shape[0]), borderValue=255)
    return scanned(g, how, rng)


CODE_LENGTH = 9  # the characters are typed as codes of this many, each character once in every four codes


def _chunk(job: tuple[list[str], int, int]) -> tuple[np.ndarray, np.ndarray]:
    from PIL import ImageFont

    fonts, per_font, seed = job
    rng = random.Random(seed)
    xs, ys = [], []
    for path in fonts:
        for _ in range(per_font):
            cap = rng.randint(20, 42)  # capital height in pixels at 300 dpi: 7-14 pt
            font = ImageFont.truetype(path, int(cap / 0.7))
            labels = list(range(len(printed.CLASSES)))
            rng.shuffle(labels)
            for start in range(0, len(labels), CODE_LENGTH):
                code = labels[start:start + CODE_LENGTH]
                how = scan(rng)
                found = printed.code_features([glyph(font, printed.CLASSES[k], how, rng) for k in code])
                if any(f is None for f in found):
                    continue
                xs += found
                ys += code
    return np.stack(xs), np.array(ys, np.int64)


def dataset(fonts: list[Path], per_font: int, seed: int, jobs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    work = [([str(f)], per_font, seed * 1000 + i) for i, f in enumerate(fonts)]
    with Pool(jobs) as pool:
        parts = pool.map(_chunk, work)
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


def train(x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, seed: int) -> dict[str, np.ndarray]:
    """A perceptron with one hidden layer of ReLUs, softmax cross-entropy, Adam, mini-batches of 128."""
    rng = np.random.default_rng(seed)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    xs = (x - mean) / std
    n, d, k = xs.shape[0], xs.shape[1], len(printed.CLASSES)
    p = {"w1": rng.normal(0, np.sqrt(2 / d), (d, hidden)).astype(np.float32), "b1": np.zeros(hidden, np.float32),
         "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, k)).astype(np.float32), "b2": np.zeros(k, np.float32)}
    m = {name: np.zeros_like(v) for name, v in p.items()}
    v = {name: np.zeros_like(a) for name, a in p.items()}
    step, rate = 0, 1e-3
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, 128):
            idx = order[start:start + 128]
            a = xs[idx]
            h = np.maximum(a @ p["w1"] + p["b1"], 0)
            z = h @ p["w2"] + p["b2"]
            z = np.exp(z - z.max(axis=1, keepdims=True))
            prob = z / z.sum(axis=1, keepdims=True)
            prob[np.arange(len(idx)), y[idx]] -= 1
            dz = prob / len(idx)
            dh = (dz @ p["w2"].T) * (h > 0)
            grads = {"w2": h.T @ dz + 1e-4 * p["w2"], "b2": dz.sum(axis=0),
                     "w1": a.T @ dh + 1e-4 * p["w1"], "b1": dh.sum(axis=0)}
            step += 1
            for name, g in grads.items():
                m[name] = 0.9 * m[name] + 0.1 * g
                v[name] = 0.999 * v[name] + 0.001 * g * g
                p[name] -= rate * (m[name] / (1 - 0.9 ** step)) / (np.sqrt(v[name] / (1 - 0.999 ** step)) + 1e-8)
        if epoch == int(epochs * 0.7):
            rate /= 10
    return {"mean": mean.astype(np.float32), "std": std.astype(np.float32), **p}


def report(model: printed.Model, x: np.ndarray, y: np.ndarray, label: str) -> None:
    prob = model.probabilities(x)
    best = prob.argmax(axis=1)
    print(f"{label}: {np.mean(best == y):.2%} of {len(y)} glyphs right")
    for pair in ("O0", "I1", "S5", "B8", "Z2", "G6"):
        chosen = np.isin(y, [printed.CLASSES.index(c) for c in pair])
        sure = prob[np.arange(len(y)), best] >= 0.98
        print(f"  {pair}: {np.mean(best[chosen] == y[chosen]):.2%} right; named at 0.98 or more: "
              f"{np.mean(sure[chosen]):.0%}, of which wrong {np.sum(sure[chosen] & (best[chosen] != y[chosen]))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fonts", type=Path, default=CACHE)
    ap.add_argument("--per-class", type=int, default=60, help="glyphs of each character in each face")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", type=Path, default=printed.MODEL)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    t0 = time.monotonic()
    x, y = dataset(fetch(TRAINING, args.fonts), args.per_class, args.seed, args.jobs)
    xt, yt = dataset(fetch(TUNING, args.fonts), max(10, args.per_class // 3), args.seed + 1, args.jobs)
    print(f"{len(y)} glyphs to train on, {len(yt)} to tune on, in {time.monotonic() - t0:.0f} s")
    weights = train(x, y, args.hidden, args.epochs, args.seed)
    buf = io.BytesIO()
    np.savez_compressed(buf, **weights)
    args.out.write_bytes(buf.getvalue())
    model = printed.Model(args.out)
    report(model, x, y, "training faces")
    report(model, xt, yt, "faces kept out")
    print(f"written {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
