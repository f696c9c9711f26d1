"""An end-to-end validation set for choosing model checkpoints: real validation-split scenes
with synthetic plates of known text pasted over their annotated plates.

Box IoU on the detector's validation split does not measure what matters (a plate read
exactly through the detector's corners, the rectifier and the recogniser), and the
benchmarks must never choose a checkpoint. This writes a manifest in the benchmark format
(image,source,country,x1..y4,text) that `roadwarden bench --models DIR` reads end to end:

- every validation-split scene photo of plates-train (training/data.py:is_validation, the
  split neither model trains on), `--copies` times, each copy with every annotated plate
  replaced by a synthetic plate (training/synth/plates.py: render_plate + paste_into_scene),
  the kind cycling through KINDS so each kind is equally represented;
- plus, as they are, every validation scene whose plates all have real text: the Uzbek
  scenes and, since 2026-12-01, the openlpr and Romanian scenes whose plates are all
  hand-transcribed (training/labels/; training/data.py:load_rows fills their text in).

usage: /usr/bin/python3 -m training.synth.val_scenes OUT_DIR [--copies 2] [--seed 2026]
Writes OUT_DIR/images/*.jpg (quality 90) and OUT_DIR/manifest.csv. Deterministic.
       /usr/bin/python3 -m training.synth.val_scenes OUT_DIR --score PREDICTIONS.jsonl
prints the read % per source (plate kind) of a `roadwarden bench` run on that manifest
(a plate is read when a predicted plate's box overlaps it with IoU >= 0.3 and its top text
equals the truth, as ../shared/tools/score_alpr.py counts).
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import defaultdict

import cv2
import numpy as np

from training import data
from training.synth.plates import KINDS, paste_into_scene, render_plate

COUNTRY = {"uz": "uz", "eu": "eu", "us": "us", "br": "br"}


def _box(points):
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0


def score(out: str, predictions: str) -> None:
    """Prints read % and detected % per source of the manifest in `out`."""
    import json
    preds = {}
    for line in open(predictions):
        o = json.loads(line)
        preds[os.path.basename(o["image"])] = o.get("plates") or []
    per = defaultdict(lambda: [0, 0, 0])
    for r in csv.DictReader(open(os.path.join(out, "manifest.csv"))):
        truth = _box([(float(r[f"x{i}"]), float(r[f"y{i}"])) for i in range(1, 5)])
        hits = [p for p in preds.get(os.path.basename(r["image"]), [])
                if p.get("corners") and _iou(truth, _box(p["corners"])) >= 0.3]
        for key in (r["source"], "all"):
            per[key][0] += 1
            per[key][1] += bool(hits)
            per[key][2] += any((p.get("text") or "") == r["text"] for p in hits)
    for key in sorted(per):
        n, det, read = per[key]
        print(f"{key:28} plates {n:4}  detected {100 * det / n:5.1f} %  read {100 * read / n:5.1f} %")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--score", help="score this prediction file instead of writing the set")
    a = ap.parse_args()
    if a.score:
        score(a.out, a.score)
        return 0
    rng = np.random.default_rng(a.seed)
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    scenes = defaultdict(list)
    for r in data.load_rows():
        if r.source in data.SCENE_SOURCES and data.is_validation(r.image):
            scenes[r.image].append(r)
    rows, k = [], 0
    for image in sorted(scenes):
        plates = scenes[image]
        src = cv2.imread(image, cv2.IMREAD_COLOR)
        if src is None:
            continue
        stem = os.path.splitext(os.path.basename(image))[0]
        if all(p.text for p in plates):  # real text: keep the photo as it is
            name = f"real_{stem}.jpg"
            cv2.imwrite(os.path.join(a.out, "images", name), src, [cv2.IMWRITE_JPEG_QUALITY, 90])
            rows += [[f"images/{name}", "real:" + p.source, p.country.lower(),
                      *p.quad.astype(np.float64).reshape(-1).round(1).tolist(), p.text] for p in plates]
        for c in range(a.copies):
            img, out = src, []
            for p in plates:
                kind = KINDS[k % len(KINDS)]
                k += 1
                plate = render_plate(rng, kind)
                img, quad = paste_into_scene(rng, img, p.quad, plate)
                out.append((kind, quad, plate.text))
            name = f"synth{c}_{stem}.jpg"
            cv2.imwrite(os.path.join(a.out, "images", name), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            rows += [[f"images/{name}", "synth:" + kind, COUNTRY[kind.split("_")[0]],
                      *np.asarray(quad, np.float64).reshape(-1).round(1).tolist(), text]
                     for kind, quad, text in out]
    with open(os.path.join(a.out, "manifest.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image", "source", "country", "x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4",
                    "text"])
        w.writerows(rows)
    print(f"{len(rows)} plates in {len({r[0] for r in rows})} images -> {a.out}/manifest.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
