#!/usr/bin/env python3
"""Checks training/labels/hand_text.csv (standard library only; run by CTest).

- the header is image,source,x1..y4,text,split;
- every text is 1-12 characters of 0-9 A-Z, every source one of the untexted scene sources,
  every corner a number, and every split `train` or `val` as training/data.py:is_validation
  puts the image (the same MD5 rule, restated here to stay free of numpy);
- no plate (image + corners) appears twice;
- when the training data is present (../shared/data/plates-train/manifest.csv, or the path
  given), every row names a plate of that manifest, of the same source, whose manifest text
  is empty (a transcription never overrides the manifest).

usage: python3 training/labels/check.py [MANIFEST]   exit 0 when all hold, 1 otherwise
"""
import csv
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "hand_text.csv")
DEFAULT_MANIFEST = os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "shared", "data", "plates-train", "manifest.csv"))
HEADER = ["image", "source", "x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4", "text", "split"]
SOURCES = ("openlpr_mixed", "ro_robertlucian")
CORNERS = HEADER[2:10]


def key(row):
    """training/data.py:plate_key for a CSV row, restated here to stay free of numpy."""
    return (row["image"],) + tuple(round(float(row[c]), 1) for c in CORNERS)


def main() -> int:
    manifest = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MANIFEST
    errors, seen = [], set()
    with open(LABELS, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != HEADER:
            print(f"{LABELS}: header {reader.fieldnames}, expected {HEADER}")
            return 1
        rows = list(reader)
    for n, r in enumerate(rows, start=2):
        if not re.fullmatch(r"[0-9A-Z]{1,12}", r["text"]):
            errors.append(f"line {n}: text {r['text']!r} is not 1-12 characters of 0-9 A-Z")
        if r["source"] not in SOURCES:
            errors.append(f"line {n}: source {r['source']!r} is not one of {SOURCES}")
        h = int(hashlib.md5(os.path.basename(r["image"]).encode()).hexdigest()[:8], 16)
        split = "val" if h % 100 < 10 else "train"
        if r["split"] != split:
            errors.append(f"line {n}: split {r['split']!r}, but the image is in the {split} split")
        try:
            k = key(r)
        except ValueError:
            errors.append(f"line {n}: a corner is not a number")
            continue
        if k in seen:
            errors.append(f"line {n}: plate {r['image']} at these corners is transcribed twice")
        seen.add(k)
    if os.path.exists(manifest):
        plates = {}
        with open(manifest, newline="", encoding="utf-8") as f:
            for m in csv.DictReader(f):
                plates[key(m)] = m
        for n, r in enumerate(rows, start=2):
            try:
                m = plates.get(key(r))
            except ValueError:
                continue
            if m is None:
                errors.append(f"line {n}: no plate of {manifest} at {r['image']} and these corners")
            elif m["source"] != r["source"] or m["text"].strip():
                errors.append(f"line {n}: the manifest's plate is of source {m['source']!r} with "
                              f"text {m['text']!r}; expected {r['source']!r} without text")
    else:
        print(f"{manifest} absent: rows not matched against the training manifest")
    for e in errors[:20]:
        print(e)
    print(f"{len(rows)} transcriptions, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
