"""Self-check of the synthetic plate generator.

    /usr/bin/python3 -m training.synth.check [N]

Draws 1000 + N recogniser samples (N default 2000), 50 more per kind and one flat plate
per kind; asserts shapes, dtypes, the text alphabet and each kind's text pattern; checks
that equal seeds give equal samples; prints the rate of the last N samples per CPU second
(one OpenCV thread).
"""

from __future__ import annotations

import re
import sys
import time

import cv2
import numpy as np

from training.constants import ALPHABET, REC_HEIGHT, REC_WIDTH
from training.synth.plates import KINDS, paste_into_scene, recognizer_sample, render_plate

PATTERNS = {
    "uz_private": r"(0[1-9]|[1-9]\d)[A-Z]\d{3}[A-Z]{2}",
    "uz_legal": r"(0[1-9]|[1-9]\d)\d{3}[A-Z]{3}",
    "uz_series": r"T\d{6}|[DTX]\d{6}|CMD\d{3}|(0[1-9]|[1-9]\d)[MH]\d{6}",
    "uz_two_line": r"(0[1-9]|[1-9]\d)\d{3,4}[A-Z]{2}",
    "eu": r"[A-Z0-9]{2,9}",
    "eu_two_line": r"[A-Z0-9]{2,9}",
    "us": r"[A-Z0-9]{3,8}",
    "br_old": r"[A-Z]{3}\d{4}",
    "br_mercosur": r"[A-Z]{3}\d[A-Z]\d{2}",
}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    cv2.setNumThreads(1)
    assert set(PATTERNS) == set(KINDS), "a kind without a text pattern"
    alphabet = set(ALPHABET)

    rng = np.random.default_rng(0)
    for kind in KINDS:
        plate = render_plate(rng, kind)
        h, w = plate.image.shape[:2]
        assert plate.image.dtype == np.uint8 and plate.image.shape == (h, w, 3), kind
        assert plate.mask.shape == (h, w) and plate.kind == kind and plate.lines in (1, 2), kind
        assert plate.char_boxes.shape == (len(plate.text), 4), kind
        assert re.fullmatch(PATTERNS[kind], plate.text), (kind, plate.text)
        scene = np.full((480, 640, 3), 90, np.uint8)
        quad = np.float32([[200, 200], [430, 205], [428, 255], [198, 250]])
        out, new_quad = paste_into_scene(rng, scene, quad, plate)
        assert out.shape == scene.shape and new_quad.shape == (4, 2) and not np.array_equal(out, scene), kind

    a = [recognizer_sample(np.random.default_rng(7), kind) for kind in KINDS]
    b = [recognizer_sample(np.random.default_rng(7), kind) for kind in KINDS]
    assert all(x[1] == y[1] and np.array_equal(x[0], y[0]) for x, y in zip(a, b)), "not deterministic"

    def sample() -> int:
        crop, text = recognizer_sample(rng)
        assert crop.dtype == np.uint8 and crop.shape == (REC_HEIGHT, REC_WIDTH), crop.shape
        assert set(text) <= alphabet and 3 <= len(text) <= 9, text
        return len(text)

    for _ in range(1000):  # fills the glyph caches, so the rate below is the steady one
        sample()
    t0 = time.process_time()
    lengths = [sample() for _ in range(n)]
    dt = time.process_time() - t0
    for kind in KINDS:
        for _ in range(50):
            crop, text = recognizer_sample(rng, kind)
            assert re.fullmatch(PATTERNS[kind], text), (kind, text)
    print(f"ok: {n} samples, text length {min(lengths)}..{max(lengths)} (mean {np.mean(lengths):.1f}), "
          f"{n / dt:.0f} samples/s (CPU time, one thread)")


if __name__ == "__main__":
    main()
