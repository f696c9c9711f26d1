"""Contact sheets of synthetic plates, for looking at the generator's output.

    /usr/bin/python3 -m training.synth.preview OUT_DIR [--seed N]

writes OUT_DIR/synth_samples.png (48 recogniser inputs, each labelled with its text and
kind) and OUT_DIR/synth_plates.png (24 flat plates, with every kind shown at least twice).
"""

from __future__ import annotations

import argparse
import pathlib

import cv2
import numpy as np

from training.synth.plates import KINDS, recognizer_sample, render_plate


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    bar = np.full((16, tile.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 160), 1, cv2.LINE_AA)
    return np.vstack([tile, bar])


def _grid(tiles: list[np.ndarray], cols: int) -> np.ndarray:
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    cells = []
    for t in tiles:
        cell = np.full((h + 6, w + 6, 3), 200, np.uint8)
        cell[3:3 + t.shape[0], 3:3 + t.shape[1]] = t
        cells.append(cell)
    while len(cells) % cols:
        cells.append(np.full_like(cells[0], 200))
    rows = [np.hstack(cells[i:i + cols]) for i in range(0, len(cells), cols)]
    return np.vstack(rows)


def samples_sheet(rng: np.random.Generator, n: int = 48, cols: int = 4) -> np.ndarray:
    """n recogniser inputs (shown at 1.5x) labelled with text and kind."""
    tiles = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        crop, text = recognizer_sample(rng, kind)
        big = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), None, fx=1.5, fy=1.5,
                         interpolation=cv2.INTER_NEAREST)
        tiles.append(_label(big, f"{text}  {kind}"))
    return _grid(tiles, cols)


def plates_sheet(rng: np.random.Generator, n: int = 24, cols: int = 4) -> np.ndarray:
    """n flat plates scaled to a common height of 100 px, labelled with text and kind."""
    tiles = []
    for i in range(n):
        plate = render_plate(rng, KINDS[i % len(KINDS)])
        img = plate.image
        k = 100 / img.shape[0]
        img = cv2.resize(img, (min(int(img.shape[1] * k), 480), 100), interpolation=cv2.INTER_AREA)
        tiles.append(_label(img, f"{plate.text}  {plate.kind}  {plate.lines}L"))
    return _grid(tiles, cols)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=pathlib.Path)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    a.out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    cv2.imwrite(str(a.out_dir / "synth_samples.png"), samples_sheet(rng))
    cv2.imwrite(str(a.out_dir / "synth_plates.png"), plates_sheet(rng))
    print(a.out_dir / "synth_samples.png", a.out_dir / "synth_plates.png")


if __name__ == "__main__":
    main()
