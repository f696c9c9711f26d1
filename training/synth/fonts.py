"""Cached glyph and phrase masks for the plate renderer.

Plate characters are drawn from per-character masks rendered once with PIL at a canonical
cap height (``CAP`` pixels) and kept in a process-wide cache, so composing a line costs a few
array copies and one resize. Every glyph of a font shares one vertical band (cap top to
baseline, padded for overshoot), so a line of glyphs sits on a common baseline.

Decorations (state names, slogans, city names) are drawn whole with PIL and cached per
(font, string): they come from short fixed lists, so the cache stays small.

Cached masks depend only on their key, never on call order, so rendering is deterministic
for a given random generator.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

_TT = "/usr/share/fonts/truetype"
_OT = "/usr/share/fonts/opentype/urw-base35"

# Debian font packages: fonts-urw-base35, fonts-dejavu-core/-extra, fonts-liberation2,
# fonts-freefont-ttf, fonts-opendin (OSP-DIN, a DIN 1451 Mittelschrift revival: the lettering
# of many European plates), fonts-roboto-unhinted (Roboto Condensed) and fonts-bebas-neue
# (narrow, tall capitals like several US states' lettering). Names are used as keys by the
# plate layouts.
FONT_PATHS = {
    "nimbus_narrow": f"{_OT}/NimbusSansNarrow-Bold.otf",  # stand-in for DIN 1451 / FE-Schrift
    "nimbus_narrow_reg": f"{_OT}/NimbusSansNarrow-Regular.otf",
    "nimbus_sans": f"{_OT}/NimbusSans-Bold.otf",
    "nimbus_sans_reg": f"{_OT}/NimbusSans-Regular.otf",
    "nimbus_sans_italic": f"{_OT}/NimbusSans-BoldItalic.otf",
    "nimbus_mono": f"{_OT}/NimbusMonoPS-Bold.otf",
    "urw_gothic": f"{_OT}/URWGothic-Demi.otf",
    "urw_bookman": f"{_OT}/URWBookman-Demi.otf",
    "urw_bookman_italic": f"{_OT}/URWBookman-DemiItalic.otf",
    "c059_italic": f"{_OT}/C059-BdIta.otf",
    "p052": f"{_OT}/P052-Bold.otf",
    "z003": f"{_OT}/Z003-MediumItalic.otf",
    "dejavu_cond": f"{_TT}/dejavu/DejaVuSansCondensed-Bold.ttf",
    "dejavu_sans": f"{_TT}/dejavu/DejaVuSans-Bold.ttf",
    "dejavu_serif": f"{_TT}/dejavu/DejaVuSerif-Bold.ttf",
    "liberation_narrow": f"{_TT}/liberation/LiberationSansNarrow-Bold.ttf",
    "liberation_sans": f"{_TT}/liberation/LiberationSans-Bold.ttf",
    "liberation_mono": f"{_TT}/liberation/LiberationMono-Bold.ttf",
    "free_sans": f"{_TT}/freefont/FreeSansBold.ttf",
    "osp_din": f"{_TT}/opendin/OSP-DIN.ttf",
    "roboto_cond": f"{_TT}/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "roboto_cond_med": f"{_TT}/roboto/unhinted/RobotoCondensed-Medium.ttf",
    "bebas": "/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf",
}

CAP = 64  # canonical cap height of cached glyphs, pixels
_PAD = 0.05  # band padding above the cap line and below the baseline, fraction of CAP


@functools.lru_cache(maxsize=None)
def _pil_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATHS[name], size)


@functools.lru_cache(maxsize=None)
def _font_size(name: str) -> int:
    """Point size at which the font's 'H' is CAP pixels tall."""
    probe = _pil_font(name, 200)
    top = probe.getbbox("H", anchor="ls")[1]
    return max(8, round(200 * CAP / -top))


@functools.lru_cache(maxsize=None)
def _band(name: str, weight: int) -> tuple[int, int]:
    """(top, bottom) of the glyph band relative to the baseline, for this font and weight."""
    top = _pil_font(name, _font_size(name)).getbbox("H", anchor="ls", stroke_width=max(weight, 0))[1]
    pad = round(_PAD * CAP) + max(weight, 0)
    return top - pad, pad


@functools.lru_cache(maxsize=None)
def glyph(name: str, weight: int, ch: str) -> np.ndarray:
    """Mask (uint8, band height x ink width) of one character.

    ``weight`` changes the stroke: positive values thicken it by that many canonical pixels
    on each side (PIL stroke), negative values thin it by erosion.
    """
    font = _pil_font(name, _font_size(name))
    top, bottom = _band(name, weight)
    size = 3 * CAP
    im = Image.new("L", (size, size))
    ImageDraw.Draw(im).text((CAP // 2, 2 * CAP), ch, font=font, fill=255, anchor="ls",
                            stroke_width=max(weight, 0), stroke_fill=255)
    mask = np.asarray(im)[2 * CAP + top: 2 * CAP + bottom, :]
    if weight < 0:
        k = 2 * -weight + 1
        mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    cols = np.flatnonzero(mask.max(axis=0) > 40)
    if cols.size == 0:  # a space or a glyph the font lacks: an empty quarter-cap cell
        return np.zeros((mask.shape[0], CAP // 4), np.uint8)
    return np.ascontiguousarray(mask[:, cols[0]: cols[-1] + 1])


def band_height(name: str, weight: int) -> int:
    """Height in canonical pixels of the glyph band of this font and weight."""
    top, bottom = _band(name, weight)
    return bottom - top


def cap_offset(name: str, weight: int) -> int:
    """Canonical pixels from the top of the band to the cap line."""
    return round(_PAD * CAP) + max(weight, 0)


@functools.lru_cache(maxsize=4096)
def phrase(name: str, text: str) -> np.ndarray:
    """Tight mask (uint8) of a whole decorative string, drawn with its cap height ~ CAP/2."""
    font = _pil_font(name, _font_size(name) // 2)
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    im = Image.new("L", (right - left + 4, bottom - top + 4))
    ImageDraw.Draw(im).text((2 - left, 2 - top), text, font=font, fill=255, anchor="ls")
    mask = np.asarray(im)
    rows = np.flatnonzero(mask.max(axis=1) > 40)
    cols = np.flatnonzero(mask.max(axis=0) > 40)
    if rows.size == 0:
        return np.zeros((4, 4), np.uint8)
    return np.ascontiguousarray(mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1])
