"""Trains the plate recogniser (training/recognizer/model.py) with CTC.

Data: real plates with text from ../shared/data/plates-train (Uzbek scene and crop plates,
Brazilian night/IR crops, and the openlpr/Romanian scene plates the project transcribed by
hand, training/labels/; 10% of images held out, training/data.py) mixed with synthetic
plates of every supported country (training/synth/plates.py). Time-budgeted, seeded,
checkpointed every few minutes and resumable; logs to RUN/train.log.

usage: /usr/bin/python3 -m training.recognizer.train --hours 1.5 [--resume] [--run DIR]
       [--init CHECKPOINT] [--pseudo-labels CSV] [--kind-weights eu=3,us=3,...] [--no-hand-text]
       [--hand-fraction 0.5]
"""
import argparse
import csv
import math
import os
import random
import sys
import time

import cv2
import numpy as np
import torch
from torch import nn

from training import data
from training.constants import ALPHABET, REC_HEIGHT, REC_MARGIN, REC_WIDTH
from training.recognizer.model import PlateRecognizer, greedy_decode, to_sequence

cv2.setNumThreads(1)


def warp_plate(image, quad, rng, jitter):
    """Warps `quad` of `image` to REC_WIDTH x REC_HEIGHT grey, as the C++ rectifier does
    (margin REC_MARGIN), after moving each corner by up to `jitter` x the plate size."""
    q = quad.astype(np.float32).copy()
    w = np.linalg.norm(q[1] - q[0])
    h = np.linalg.norm(q[3] - q[0])
    if jitter > 0:
        q += rng.uniform(-jitter, jitter, (4, 2)).astype(np.float32) * np.array([w, h], np.float32)
    centre = q.mean(0)
    q = centre + (q - centre) * (1 + 2 * REC_MARGIN)
    dst = np.array([[0, 0], [REC_WIDTH, 0], [REC_WIDTH, REC_HEIGHT], [0, REC_HEIGHT]], np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    out = cv2.warpPerspective(image, m, (REC_WIDTH, REC_HEIGHT), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(out, cv2.COLOR_BGR2GRAY) if out.ndim == 3 else out


def photometric(img, rng):
    """Light augmentation of a real grey crop: contrast, brightness, blur, noise, JPEG."""
    img = img.astype(np.float32)
    img = (img - 128) * rng.uniform(0.6, 1.4) + 128 + rng.uniform(-40, 40)
    if rng.random() < 0.3:
        img = 255 - img if rng.random() < 0.1 else img
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        k = int(rng.choice([3, 5]))
        img = cv2.GaussianBlur(img, (k, k), 0)
    if rng.random() < 0.3:
        s = rng.uniform(0.3, 0.8)
        small = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (REC_WIDTH, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3:
        img = np.clip(img + rng.normal(0, rng.uniform(3, 12), img.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(20, 90))])
        img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    return img


def pseudo_rows(path):
    """Rows of a pseudo-label CSV written by training/recognizer/pseudo_label.py."""
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            quad = np.array([[float(r[f"x{i}"]), float(r[f"y{i}"])] for i in range(1, 5)],
                            np.float32)
            yield data.Row(r["image"], "pseudo:" + r["source"], "", quad, r["text"])


class RealPlates:
    """Real plates with text, preloaded as small regions around each plate: the manifest's
    texted sources, the hand-transcribed plates of data.HAND_TEXT_SOURCES (when `hand`) and
    the training-split rows of an optional pseudo-label CSV (`pseudo`). `sources`, when
    given, keeps only rows of those sources."""

    def __init__(self, validation, pseudo=None, hand=True, sources=None):
        self.items = []
        self.p = None  # sampling probabilities per item; None = uniform (set_hand_fraction)
        rows = data.load_rows(hand_text=hand)
        # A hand transcription wins over a pseudo-label of the same plate (an older CSV).
        hand_keys = {data.plate_key(r.image, r.quad) for r in rows
                     if r.source in data.HAND_TEXT_SOURCES and r.text}
        rows += [r for r in (pseudo_rows(pseudo) if pseudo else [])
                 if data.plate_key(r.image, r.quad) not in hand_keys]
        for r in rows:
            if not r.text or (sources is not None and r.source not in sources):
                continue
            if data.is_validation(r.image) != validation:
                continue
            img = cv2.imread(r.image, cv2.IMREAD_COLOR)
            if img is None:
                continue
            # Keep a region around the plate only (scene photos are large).
            x0, y0 = np.floor(r.quad.min(0) - 0.5 * (r.quad.max(0) - r.quad.min(0))).astype(int)
            x1, y1 = np.ceil(r.quad.max(0) + 0.5 * (r.quad.max(0) - r.quad.min(0))).astype(int)
            x0, y0 = max(x0, 0), max(y0, 0)
            crop = img[y0:y1, x0:x1].copy()
            self.items.append((crop, r.quad - np.array([x0, y0], np.float32), r.text, r.source))

    def set_hand_fraction(self, fraction):
        """Draws the hand-transcribed plates (data.HAND_TEXT_SOURCES) with total probability
        `fraction` (0..1) and the others with 1 - fraction, uniformly within each group,
        instead of every item alike. Raises ValueError when a group it must draw from is
        empty or `fraction` is outside [0, 1]."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"hand fraction {fraction} outside [0, 1]")
        hand = np.array([it[3] in data.HAND_TEXT_SOURCES for it in self.items])
        if (fraction > 0 and not hand.any()) or (fraction < 1 and hand.all()):
            raise ValueError("hand fraction: a group to draw from has no plates")
        p = np.where(hand, fraction / max(1, hand.sum()), (1 - fraction) / max(1, (~hand).sum()))
        self.p = p / p.sum()

    def sample(self, rng, k=None, augment=True):
        if k is None:
            k = int(rng.integers(len(self.items))) if self.p is None else \
                int(rng.choice(len(self.items), p=self.p))
        crop, quad, text, _ = self.items[k]
        img = warp_plate(crop, quad, rng, 0.06 if augment else 0.0)
        return (photometric(img, rng) if augment else img), text


def encode(texts):
    targets = torch.tensor([ALPHABET.index(c) + 1 for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return targets, lengths


def to_tensor(images):
    return torch.from_numpy(np.stack(images)[:, None].astype(np.float32) / 255.0)


def evaluate(model, sets):
    """Exact-match accuracy per named set of (images, texts)."""
    model.eval()
    out = {}
    with torch.no_grad():
        for name, (images, texts) in sets.items():
            preds = []
            for i in range(0, len(images), 128):
                preds += greedy_decode(model(to_tensor(images[i:i + 128])))
            out[name] = sum(p == t for p, t in zip(preds, texts)) / max(1, len(texts))
    model.train()
    return out


def validation_score(acc):
    """Checkpoint selection: the mean of real-plate accuracy (the mean over the real sets,
    named "real*") and synthetic-kind accuracy."""
    real = float(np.mean([v for k, v in acc.items() if k.startswith("real")]))
    synth = [v for k, v in acc.items() if not k.startswith("real")]
    return 0.5 * real + 0.5 * float(np.mean(synth)) if synth else real


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=1.5, help="training time budget")
    ap.add_argument("--run", default=os.path.join(os.path.dirname(__file__), "runs", "main"))
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--synth-fraction", type=float, default=0.6)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--init", help="start from this checkpoint's weights (fine-tuning; a new "
                    "optimiser and schedule), unless --resume finds RUN/last.pt")
    ap.add_argument("--pseudo-labels", help="pseudo-label CSV (training/recognizer/pseudo_label.py)")
    ap.add_argument("--no-hand-text", action="store_true",
                    help="leave out the hand transcriptions of training/labels/ (as runs before "
                         "2026-12-01 did), in training and validation")
    ap.add_argument("--kind-weights", default="",
                    help="synthetic kind weights replacing the generator's, e.g. eu=3,us=3,uz_private=1")
    ap.add_argument("--hand-fraction", type=float,
                    help="share of the real plates drawn from the hand transcriptions "
                         "(default: every real plate alike, about 0.3)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.run, exist_ok=True)
    log = open(os.path.join(a.run, "train.log"), "a", buffering=1)

    def say(msg):
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {msg}"
        print(line, flush=True)
        log.write(line + "\n")

    if a.synth_fraction > 0:
        from training.synth.plates import KINDS, recognizer_sample
    else:  # real plates only (a warm-up phase, or when the generator is unavailable)
        KINDS, recognizer_sample = (), None

    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    real = RealPlates(validation=False, pseudo=a.pseudo_labels, hand=not a.no_hand_text)
    if a.hand_fraction is not None:
        try:
            real.set_hand_fraction(a.hand_fraction)
        except ValueError as e:
            sys.exit(f"--hand-fraction: {e}")
    kinds, weights = None, None
    if a.kind_weights:
        pairs = [kv.split("=") for kv in a.kind_weights.split(",")]
        kinds = [k for k, _ in pairs]
        unknown = set(kinds) - set(KINDS)
        if unknown:
            sys.exit(f"--kind-weights: unknown kinds {sorted(unknown)}; known: {list(KINDS)}")
        weights = np.array([float(w) for _, w in pairs])
        weights /= weights.sum()
    vrng = np.random.default_rng(12345)
    val_sets = {}
    # "real": the Uzbek and Brazilian plates (comparable with runs before the hand labels);
    # "real_hand": the hand-transcribed openlpr and Romanian plates.
    for name, sources in (("real", data.TEXT_SOURCES), ("real_hand", data.HAND_TEXT_SOURCES)):
        real_val = RealPlates(validation=True, hand=not a.no_hand_text, sources=sources)
        if real_val.items:
            val_sets[name] = tuple(map(list, zip(*(real_val.sample(vrng, k, augment=False)
                                                   for k in range(len(real_val.items))))))
    for kind in KINDS:
        imgs, texts = [], []
        for _ in range(100):
            img, text = recognizer_sample(vrng, kind)
            imgs.append(img)
            texts.append(text)
        val_sets[kind] = (imgs, texts)
    n_pseudo = sum(1 for it in real.items if it[3].startswith("pseudo:"))
    n_hand = sum(1 for it in real.items if it[3] in data.HAND_TEXT_SOURCES)
    say(f"data: {len(real.items)} real train ({n_hand} hand-transcribed, {n_pseudo} "
        f"pseudo-labelled), real val " + ", ".join(f"{k} {len(v[1])}" for k, v in val_sets.items()
                                                   if k.startswith("real")) +
        f", synthetic kinds {list(KINDS)}")

    model = PlateRecognizer()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    step, elapsed, best = 0, 0.0, -1.0
    ckpt = os.path.join(a.run, "last.pt")
    if a.resume and os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, elapsed, best = state["step"], state["elapsed"], state["best"]
        rng = np.random.default_rng(a.seed + step)
        if state.get("val_sets") != sorted(val_sets):
            best = -1.0  # validation sets changed: scores are not comparable
        say(f"resumed at step {step}, {elapsed / 60:.1f} min done, best {best:.3f}")
    elif a.init:
        model.load_state_dict(torch.load(a.init)["model"])
        say(f"initialised from {a.init}")
    budget = a.hours * 3600
    start = time.time() - elapsed
    last_ckpt = time.time()
    losses = []
    while True:
        elapsed = time.time() - start
        if elapsed >= budget:
            break
        frac = elapsed / budget
        lr = a.lr * min(1.0, (step + 1) / 300) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        images, texts = [], []
        for _ in range(a.batch):
            if rng.random() < a.synth_fraction:
                kind = None if kinds is None else kinds[int(rng.choice(len(kinds), p=weights))]
                img, text = recognizer_sample(rng, kind)
            else:
                img, text = real.sample(rng)
            images.append(img)
            texts.append(text)
        logits = model(to_tensor(images))
        seq = to_sequence(logits)
        targets, lengths = encode(texts)
        loss = ctc(seq, targets, torch.full((len(texts),), seq.shape[0], dtype=torch.long),
                   lengths)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
        step += 1
        if step % 50 == 0:
            say(f"step {step} loss {np.mean(losses):.4f} lr {lr:.2e} "
                f"{elapsed / 60:.1f}/{budget / 60:.0f} min")
            losses = []
        if time.time() - last_ckpt >= a.checkpoint_minutes * 60:
            last_ckpt = time.time()
            acc = evaluate(model, val_sets)
            score = validation_score(acc)
            say(f"eval step {step} score {score:.3f} " +
                " ".join(f"{k}={v:.3f}" for k, v in acc.items()))
            state = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                     "elapsed": time.time() - start, "best": max(best, score),
                     "val_sets": sorted(val_sets)}
            if score > best:
                best = score
                torch.save(state, os.path.join(a.run, "best.pt"))
            torch.save(state, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)
    acc = evaluate(model, val_sets)
    score = validation_score(acc)
    say(f"final step {step} score {score:.3f} " + " ".join(f"{k}={v:.3f}" for k, v in acc.items()))
    state = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
             "elapsed": time.time() - start, "best": max(best, score),
             "val_sets": sorted(val_sets)}
    if score > best:
        torch.save(state, os.path.join(a.run, "best.pt"))
    torch.save(state, ckpt)


if __name__ == "__main__":
    sys.exit(main())
