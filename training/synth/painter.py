"""Drawing in plate millimetres onto a BGR image: fills, borders, glyph lines, decorations."""

from __future__ import annotations

import cv2
import numpy as np

from training.synth import fonts

_SHIFT = 4  # sub-pixel bits for cv2 drawing calls
_ONE = 1 << _SHIFT


def rgb(r: int, g: int, b: int) -> tuple[int, int, int]:
    """A colour written as RGB, returned in OpenCV's BGR order."""
    return (b, g, r)


def jitter(rng: np.random.Generator, colour, amount: float = 12) -> tuple[int, int, int]:
    """The colour with each channel moved by up to +-amount (clipped to 0..255)."""
    return tuple(min(255, max(0, int(c + d))) for c, d in zip(colour, rng.uniform(-amount, amount, 3).tolist()))


def luminance(colour) -> float:
    """Rec. 601 luma (what cv2 BGR2GRAY computes) of a BGR colour."""
    b, g, r = colour
    return 0.114 * b + 0.587 * g + 0.299 * r


class Painter:
    """A plate canvas of ``w_mm`` x ``h_mm`` at ``s`` pixels per millimetre.

    Coordinates passed to the drawing methods are millimetres from the plate's top-left
    corner; ``char_boxes`` collects the pixel boxes (x0, y0, x1, y1) of the plate characters
    in the order drawn, which the layouts keep equal to reading order.
    """

    def __init__(self, w_mm: float, h_mm: float, s: float, bg, corner_mm: float):
        self.s = s
        self.w = max(8, round(w_mm * s))
        self.h = max(8, round(h_mm * s))
        self.w_mm, self.h_mm = w_mm, h_mm
        self.corner_mm = corner_mm
        self.mask = self.rrect_mask(0, 0, w_mm, h_mm, corner_mm)
        self.img = np.empty((self.h, self.w, 3), np.uint8)
        self.img[:] = bg
        self.bg = bg
        self.ink = None  # colour of the first plate characters drawn
        self.char_boxes: list[tuple[float, float, float, float]] = []

    def finish(self, outside=(40, 40, 40)) -> np.ndarray:
        """The image with ``outside`` painted beyond the rounded corners."""
        r = int(np.ceil(self.corner_mm * self.s)) + 1
        for ys in (slice(0, r), slice(self.h - r, self.h)):
            for xs in (slice(0, r), slice(self.w - r, self.w)):
                self.img[ys, xs][self.mask[ys, xs] < 128] = outside
        return self.img

    # ---- geometry helpers -------------------------------------------------------------
    def _p(self, v: float) -> int:
        """Millimetres to fixed-point pixels for cv2 drawing with ``shift``."""
        return int(round(v * self.s * _ONE))

    def rrect_mask(self, x: float, y: float, w: float, h: float, r: float) -> np.ndarray:
        """Anti-aliased mask (uint8) of a filled rounded rectangle."""
        m = np.zeros((self.h, self.w), np.uint8)
        r = max(0.0, min(r, w / 2, h / 2))
        p = self._p
        if r * self.s < 0.75:
            cv2.rectangle(m, (p(x), p(y)), (p(x + w) - _ONE, p(y + h) - _ONE), 255, -1, cv2.LINE_AA, _SHIFT)
            return m
        cv2.rectangle(m, (p(x + r), p(y)), (p(x + w - r), p(y + h) - _ONE), 255, -1, cv2.LINE_8, _SHIFT)
        cv2.rectangle(m, (p(x), p(y + r)), (p(x + w) - _ONE, p(y + h - r)), 255, -1, cv2.LINE_8, _SHIFT)
        for cx, cy in ((x + r, y + r), (x + w - r, y + r), (x + r, y + h - r), (x + w - r, y + h - r)):
            cv2.circle(m, (p(cx), p(cy)), p(r), 255, -1, cv2.LINE_AA, _SHIFT)
        return m

    # ---- fills ------------------------------------------------------------------------
    def blend(self, mask: np.ndarray, x0: int, y0: int, colour, alpha: float = 1.0) -> None:
        """Paints ``colour`` through ``mask`` (uint8) placed with its top-left at pixel (x0, y0)."""
        mh, mw = mask.shape
        ax0, ay0 = max(x0, 0), max(y0, 0)
        ax1, ay1 = min(x0 + mw, self.w), min(y0 + mh, self.h)
        if ax1 <= ax0 or ay1 <= ay0:
            return
        region = self.img[ay0:ay1, ax0:ax1]
        a = mask[ay0 - y0: ay1 - y0, ax0 - x0: ax1 - x0]
        if alpha != 1.0:
            a = cv2.convertScaleAbs(a, alpha=alpha)
        a3 = cv2.merge((a, a, a))
        region[:] = cv2.add(cv2.multiply(region, cv2.bitwise_not(a3), scale=1 / 255),
                            cv2.multiply(a3, (*colour, 0), scale=1 / 255))

    def fill_mask(self, mask: np.ndarray, colour, alpha: float = 1.0) -> None:
        """Paints ``colour`` through a full-size mask, restricted to its non-zero bounding box."""
        x, y, w, h = cv2.boundingRect(mask)
        if w and h:
            self.blend(mask[y:y + h, x:x + w], x, y, colour, alpha)

    def rect(self, x: float, y: float, w: float, h: float, colour, r: float = 0.0) -> None:
        """A filled (optionally rounded) rectangle."""
        if r <= 0:
            s = self.s
            self.img[max(0, round(y * s)): round((y + h) * s), max(0, round(x * s)): round((x + w) * s)] = colour
        else:
            self.fill_mask(self.rrect_mask(x, y, w, h, r), colour)

    def border(self, inset: float, width: float, r: float, colour) -> None:
        """A rounded outline ``width`` mm wide whose outer edge is ``inset`` mm inside the plate."""
        t = max(1, round(width * self.s))
        half = t / self.s / 2
        x0, y0 = inset + half, inset + half
        x1, y1 = self.w_mm - inset - half, self.h_mm - inset - half
        r = max(0.0, min(r - half, (x1 - x0) / 2, (y1 - y0) / 2))
        p, img, aa = self._p, self.img, cv2.LINE_AA
        for a, b in (((x0 + r, y0), (x1 - r, y0)), ((x0 + r, y1), (x1 - r, y1)),
                     ((x0, y0 + r), (x0, y1 - r)), ((x1, y0 + r), (x1, y1 - r))):
            cv2.line(img, (p(a[0]), p(a[1])), (p(b[0]), p(b[1])), colour, t, aa, _SHIFT)
        if r * self.s >= 0.5:
            for cx, cy, start in ((x0 + r, y0 + r, 180), (x1 - r, y0 + r, 270), (x1 - r, y1 - r, 0),
                                  (x0 + r, y1 - r, 90)):
                cv2.ellipse(img, (p(cx), p(cy)), (p(r), p(r)), 0, start, start + 90, colour, t, aa, _SHIFT)

    def polygon(self, pts_mm, colour) -> None:
        """A filled anti-aliased polygon (or several: a list of point arrays)."""
        polys = pts_mm if isinstance(pts_mm, list) else [pts_mm]
        pts = [np.round(np.asarray(p, np.float64) * self.s * _ONE).astype(np.int32) for p in polys]
        cv2.fillPoly(self.img, pts, colour, cv2.LINE_AA, _SHIFT)

    def circle(self, cx: float, cy: float, r: float, colour, thickness_mm: float = -1) -> None:
        """A filled circle, or a ring when ``thickness_mm`` > 0."""
        t = -1 if thickness_mm <= 0 else max(1, round(thickness_mm * self.s))
        cv2.circle(self.img, (self._p(cx), self._p(cy)), self._p(r), colour, t, cv2.LINE_AA, _SHIFT)

    def line(self, x0: float, y0: float, x1: float, y1: float, colour, width_mm: float) -> None:
        """A straight anti-aliased line."""
        t = max(1, round(width_mm * self.s))
        cv2.line(self.img, (self._p(x0), self._p(y0)), (self._p(x1), self._p(y1)), colour, t, cv2.LINE_AA, _SHIFT)

    def vgradient(self, top, bottom) -> None:
        """Replaces the plate background with a vertical gradient from ``top`` to ``bottom``."""
        t = np.linspace(0.0, 1.0, self.h, dtype=np.float32)[:, None, None]
        grad = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
        self.img[:] = grad.astype(np.uint8)

    # ---- text -------------------------------------------------------------------------
    def text(self, tokens: str, x: float, y: float, w: float, cap: float, font: str, colour, *,
             weight: int = 0, xscale: float = 1.0, spacing: float = 0.12, word_gap: float = 0.35,
             cell: float = 0.0, emboss=None, record: bool = True) -> list[tuple]:
        """Draws a line of plate characters; returns the pixel boxes of its tokens.

        ``tokens``: A-Z/0-9 are plate characters; ``-`` and ``.`` (drawn as a middle dot) are
        separators; a space is a word gap of ``word_gap`` cap heights; ``*`` reserves a gap of
        0.6 cap heights (for seals or emblems) whose box is returned. The line's cap top is
        at ``y`` mm, its cap height ``cap`` mm, and it is centred in [x, x + w] mm, squeezed
        horizontally if it would not fit.
        ``cell`` > 0 centres each character in a cell that many cap heights wide, as on
        plates with fixed-pitch lettering. ``emboss`` = (colour, dx_mm, dy_mm, alpha) paints
        a shadow copy first. Plate characters' boxes go to ``char_boxes`` when ``record``.
        """
        C = fonts.CAP
        band = fonts.band_height(font, weight)
        pieces = []  # (mask or None, width, token)
        for t in tokens:
            if t == " ":
                pieces.append((None, word_gap * C, t))
            elif t == "*":
                pieces.append((None, 0.6 * C, t))
            else:
                g = fonts.glyph(font, weight, "\u00b7" if t == "." else t)
                pieces.append((g, max(g.shape[1], cell * C) if t.isalnum() else g.shape[1], t))
        gap = spacing * C
        xs, cursor = [], 0.0
        for i, (_, pw, _) in enumerate(pieces):
            xs.append(cursor)
            cursor += pw + (gap if i + 1 < len(pieces) else 0)
        total = max(1.0, cursor)
        k = cap * self.s / C
        kx = k * xscale
        if total * kx > w * self.s:
            kx = w * self.s / total
        canvas = np.zeros((band, int(np.ceil(total)) + 1), np.uint8)
        for (g, pw, _), x0 in zip(pieces, xs):
            if g is not None:
                gx = int(round(x0 + (pw - g.shape[1]) / 2))
                np.maximum(canvas[:, gx:gx + g.shape[1]], g, out=canvas[:, gx:gx + g.shape[1]])
        out_w, out_h = max(1, round(canvas.shape[1] * kx)), max(1, round(band * k))
        interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
        mask = cv2.resize(canvas, (out_w, out_h), interpolation=interp)
        px = x * self.s + (w * self.s - total * kx) / 2
        py = y * self.s - fonts.cap_offset(font, weight) * k
        ix, iy = int(round(px)), int(round(py))
        if emboss is not None:
            ecol, dx, dy, ea = emboss
            self.blend(mask, ix + round(dx * self.s), iy + round(dy * self.s), ecol, ea)
        self.blend(mask, ix, iy, colour)
        if record and self.ink is None:
            self.ink = colour
        boxes = []
        for (_, pw, t), x0 in zip(pieces, xs):
            box = (ix + x0 * kx, y * self.s, ix + (x0 + pw) * kx, (y + cap) * self.s)
            boxes.append(box)
            if record and t.isalnum():
                self.char_boxes.append(box)
        return boxes

    def phrase(self, text: str, x: float, y: float, w: float, h: float, font: str, colour) -> None:
        """Draws a decorative string with its ink ``h`` mm tall, centred in [x, x + w] mm
        (squeezed if wider)."""
        m = fonts.phrase(font, text)
        k = h * self.s / m.shape[0]
        ow, oh = max(1, round(min(m.shape[1] * k, w * self.s))), max(1, round(h * self.s))
        interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
        mask = cv2.resize(m, (ow, oh), interpolation=interp)
        self.blend(mask, int(round(x * self.s + (w * self.s - ow) / 2)), int(round(y * self.s)), colour)
