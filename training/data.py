"""Reading the annotated training photos (../shared/data/plates-train) for both models.

Rows come from manifest.csv (image,source,country,x1..y4,text; corners clockwise from
top-left, pixels). The validation split is fixed by a hash of the image path, so every run
and both models hold out the same photos. The benchmark images are never read here.
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


def load_rows(root: str = DEFAULT_ROOT):
    rows = []
    with open(os.path.join(root, "manifest.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            quad = np.array([[float(r[f"x{i}"]), float(r[f"y{i}"])] for i in range(1, 5)],
                            dtype=np.float32)
            rows.append(Row(os.path.join(root, r["image"]), r["source"], r["country"], quad,
                            r["text"].strip().upper()))
    return rows
