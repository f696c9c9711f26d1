#!/usr/bin/env python3
"""Sorts the misreads of a prediction file into kinds, for the closing notes of model work.

usage: bench/misread_analysis.py MANIFEST PREDICTIONS.jsonl

Kinds (first that applies): not detected (no predicted box with IoU >= 0.3); unreadable
(a box, but empty text); confusable (same length, every wrong character is a confusable
pair 0/O/D/Q, 1/I/T, 2/Z, 5/S, 8/B, 6/G); substituted (same length, other characters);
dropped characters (read shorter); extra characters (read longer). Matching follows
../shared/tools/score_alpr.py.
"""
import collections
import csv
import json
import os
import re
import sys

CONFUSABLE = [set("0ODQ"), set("1IT"), set("2Z"), set("5S"), set("8B"), set("6G")]


def norm(t):
    return re.sub(r"[^A-Z0-9]", "", (t or "").upper())


def box(points):
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def kind(truth, read):
    if not read:
        return "unreadable"
    if len(read) == len(truth):
        wrong = [(a, b) for a, b in zip(truth, read) if a != b]
        if all(any(a in s and b in s for s in CONFUSABLE) for a, b in wrong):
            return "confusable"
        return "substituted"
    return "dropped characters" if len(read) < len(truth) else "extra characters"


def main():
    manifest, predictions = sys.argv[1:3]
    truth = collections.defaultdict(list)
    with open(manifest, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            pts = [(float(r[f"x{i}"]), float(r[f"y{i}"])) for i in range(1, 5)]
            truth[os.path.basename(r["image"])].append((box(pts), norm(r["text"])))
    preds = {}
    with open(predictions, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                preds[os.path.basename(o["image"])] = o
    counts, examples, total = collections.Counter(), collections.defaultdict(list), 0
    for image, plates in truth.items():
        guesses = [(box(p["corners"]), norm(p["text"])) for p in preds.get(image, {}).get("plates", [])]
        used = set()
        for b, text in plates:
            total += 1
            best, best_iou = None, 0.3
            for k, (gb, _) in enumerate(guesses):
                if k not in used and iou(gb, b) >= best_iou:
                    best, best_iou = k, iou(gb, b)
            if best is None:
                k = "not detected"
            else:
                used.add(best)
                if guesses[best][1] == text:
                    continue
                k = kind(text, guesses[best][1])
            counts[k] += 1
            examples[k].append(f"{image}: {text} -> {guesses[best][1] if best is not None else '-'}")
    print(f"{sum(counts.values())} misreads of {total} plates")
    for k, n in counts.most_common():
        print(f"  {k:20} {n:4}  e.g. " + "; ".join(examples[k][:4]))


if __name__ == "__main__":
    main()
