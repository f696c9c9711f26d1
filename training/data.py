"""Reading the annotated training photos (../shared/data/plates-train) for both models.

Rows come from manifest.csv (image,source,country,x1..y4,text; corners clockwise from
top-left, pixels). The validation split is fixed by a hash of the image path, so every run
and both models hold out the same photos. The benchmark images are never read here.

The manifest gives no text for the located plates of `openlpr_mixed` and `ro_robertlucian`;
training/labels/hand_text.csv holds the project's own transcriptions of those plates
(training/labels/README.md), which load_rows() fills in by default.
"""
import csv
import hashlib
import os
from dataclasses import dataclass

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "plates-train"))
SCENE_SOURCES = ("uz_izzatullo_scene", "openlpr_mixed", "ro_robertlucian")
TEXT_SOURCES = ("uz_izzatullo_scene", "uz_izzatullo_crop", "br_openalpr_crop")
# Sources whose text comes from training/labels/hand_text.csv, not from the manifest.
HAND_TEXT_SOURCES = ("openlpr_mixed", "ro_robertlucian")
HAND_TEXT = os.path.join(HERE, "labels", "hand_text.csv")


@dataclass
class Row:
    image: str          # absolute path
    source: str
    country: str
    quad: np.ndarray    # 4x2 float32, TL TR BR BL
    text: str


def is_validation(path: str, percent: int = 10) -> bool:
    """True for the fixed ~`percent`% of images held out for validation (MD5 of the name)."""
    h = int(hashlib.md5(os.path.basename(path).encode()).hexdigest()[:8], 16)
    return h % 100 < percent


def plate_key(image: str, quad) -> tuple:
    """Identifies one annotated plate: its image path (as given: relative to the data root
    in the manifest, absolute in Row) and its 8 corner values (TL, TR, BR, BL as x, y) to
    0.1 px."""
    return (image,) + tuple(round(float(v), 1) for v in np.asarray(quad).reshape(-1))


def load_hand_text(path: str = HAND_TEXT) -> dict:
    """{plate key: text} from a hand-transcription CSV (image,x1..y4,text; the image path and
    corners as in manifest.csv). Raises ValueError on a text outside 0-9 A-Z."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            text = r["text"].strip()
            if not text or any(c not in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" for c in text):
                raise ValueError(f"{path}: bad text {text!r} for {r['image']}")
            out[plate_key(r["image"], [r[f"{a}{i}"] for i in range(1, 5) for a in "xy"])] = text
    return out


def load_rows(root: str = DEFAULT_ROOT, hand_text: bool = True):
    """All manifest rows as Row objects; with `hand_text`, the plates of HAND_TEXT_SOURCES
    transcribed in HAND_TEXT get that text (the others keep an empty text)."""
    hand = load_hand_text() if hand_text else {}
    rows = []
    with open(os.path.join(root, "manifest.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            quad = np.array([[float(r[f"x{i}"]), float(r[f"y{i}"])] for i in range(1, 5)],
                            dtype=np.float32)
            text = r["text"].strip().upper()
            if not text and r["source"] in HAND_TEXT_SOURCES:
                text = hand.get(plate_key(r["image"], quad), "")
            rows.append(Row(os.path.join(root, r["image"]), r["source"], r["country"], quad, text))
    return rows
