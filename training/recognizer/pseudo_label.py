"""Pseudo-labels the located but untexted real plates of the training data.

`openlpr_mixed` (many countries, US and EU among them) and `ro_robertlucian` (Romanian) have
plate corners but no text. The current recogniser reads each of their training-split plates
(never the validation split, never the benchmarks) through three crops (the annotated quad
shrunk by 4 %, as is, and grown by 8 %) and keeps a text only when

- all three crops give the same greedy read,
- the lowest of the three CTC probabilities of that text (summed over all alignments, as
  the C++ reader's confidence) is at least --min-confidence (default 0.5), and
- the text matches a plate format: Romanian (`B 123 ABC`, `CJ 12 ABC`) for ro_robertlucian;
  for openlpr_mixed 5-8 characters with at least two digits and one letter.

This is the "pseudo-labelling where the model is confident and a format matches" of
issue 3 (self-training; e.g. Lee, "Pseudo-Label", ICML 2013 workshop). The output CSV
(manifest columns plus `confidence`) is read by `train.py --pseudo-labels`.

usage: /usr/bin/python3 -m training.recognizer.pseudo_label CHECKPOINT OUT.csv
"""
import argparse
import csv
import re
import sys

import cv2
import numpy as np
import torch

from training import data
from training.constants import ALPHABET
from training.recognizer.model import PlateRecognizer, to_sequence
from training.synth.plates import rectify

FORMATS = {
    "ro_robertlucian": re.compile(r"^(B\d{2,3}[A-Z]{3}|[A-Z]{2}\d{2}[A-Z]{3})$"),
    "openlpr_mixed": re.compile(r"^(?=(?:.*\d){2})(?=.*[A-Z])[A-Z0-9]{5,8}$"),
}
SCALES = (0.96, 1.0, 1.08)


def read(model, crops):
    """Greedy CTC reads and their sequence confidences for a list of grey crops."""
    x = torch.from_numpy(np.stack(crops)[:, None].astype(np.float32) / 255.0)
    with torch.no_grad():
        probs = to_sequence(model(x)).exp().transpose(0, 1)  # N x T x C
    logp = probs.log().transpose(0, 1)  # T x N x C
    out = []
    for n, seq in enumerate(probs.argmax(2).tolist()):
        text, prev = [], 0
        for k in seq:
            if k != prev and k != 0:
                text.append(ALPHABET[k - 1])
            prev = k
        text = "".join(text)
        if not text:
            out.append((text, 0.0))
            continue
        target = torch.tensor([[ALPHABET.index(ch) + 1 for ch in text]])
        nll = torch.nn.functional.ctc_loss(logp[:, n:n + 1], target, [logp.shape[0]], [len(text)],
                                           blank=0, reduction="sum")
        out.append((text, float(torch.exp(-nll))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--min-confidence", type=float, default=0.5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    model = PlateRecognizer()
    model.load_state_dict(torch.load(a.checkpoint)["model"])
    model.eval()
    kept, seen = [], {s: [0, 0] for s in FORMATS}
    for r in data.load_rows():
        if r.source not in FORMATS or data.is_validation(r.image) or r.text:
            continue  # (a text here is a hand transcription, training/labels/: better)
        img = cv2.imread(r.image, cv2.IMREAD_GRAYSCALE)
        if img is None:
            continue
        seen[r.source][0] += 1
        c = r.quad.mean(0)
        crops = [rectify(img, c + (r.quad - c) * s) for s in SCALES]
        reads = read(model, crops)
        texts = {t for t, _ in reads}
        conf = min(p for _, p in reads)
        text = reads[1][0]
        if len(texts) == 1 and conf >= a.min_confidence and FORMATS[r.source].match(text):
            seen[r.source][1] += 1
            kept.append((r, text, conf))
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image", "source", "x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4", "text",
                    "confidence"])
        for r, text, conf in kept:
            w.writerow([r.image, r.source, *[f"{v:.1f}" for v in r.quad.reshape(-1)], text,
                        f"{conf:.4f}"])
    for s, (n, k) in seen.items():
        print(f"{s}: {k} of {n} training-split plates pseudo-labelled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
