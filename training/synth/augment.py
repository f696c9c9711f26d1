"""Degradations between a flat plate and the recogniser's input.

The recogniser sample is built in three planes, each with its own augmentations:

1. plate plane (grey, plate pixels): uneven light, IR look, blown highlights, dirt, bolts,
   small occlusions, then the surroundings in the same plane (holder, dealer frame);
2. scene (grey canvas): perspective placement on a random background, shadow, exposure,
   motion blur, defocus, sensor noise, JPEG;
3. detection: corner errors of a plate detector (the rectification itself is
   ``plates.rectify``).

Probabilities are the P_* constants below; ranges are in the code and listed in
``training/synth/README.md``. Random fields (noise, smooth blotches) are cut from fixed
banks made once from a constant seed, so samples depend only on the caller's generator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth import fonts

# Probability of each augmentation per sample.
P_IR = 0.12  # infrared-like grey (coloured inks fade, dark surroundings)
P_IR_INVERT = 0.25  # of IR samples: inverted contrast (retro-reflective characters)
P_OVEREXPOSED = 0.08  # reflective plate with blown highlights
P_LOW_LIGHT = 0.15
P_UNEVEN_LIGHT = 0.5  # brightness ramp across the plate
P_DIRT = 0.15
P_OCCLUSION = 0.07  # a small blob or bar over part of one character
P_BOLTS = 0.3
P_HOLDER = 0.3  # dark holder recess around the plate
P_DEALER_FRAME = 0.15  # frame with dealer text above and below the plate
P_SHADOW = 0.15
P_EXPOSURE = 0.6  # gamma / contrast change (when not in low light)
P_LOW_CONTRAST = 0.2  # of exposure changes: the whole range squeezed into 40..120 grey levels
P_MOTION = 0.2
P_DEFOCUS = 0.35
P_NOISE = 0.7
P_JPEG = 0.5
P_BIG_CORNER_ERROR = 0.12
P_LOOSE_QUAD = 0.2  # a loose quad that takes in the plate frame or holder (scale 1.10..1.25)

_DEALERS = ("AUTO SALON TASHKENT", "CHEVROLET UZ AUTO", "GM UZBEKISTAN", "PREMIUM MOTORS",
            "TOYOTA OF BOSTON", "www.autohaus-mueller.de", "BEST DEALS AUTO SALES", "+998 71 200 00 00",
            "HONDA CITY CENTER", "SAMARQAND AVTO", "CALL 1-800-555-0199", "AUTOHAUS KOENIG",
            "CONCESSIONARIA SAO PAULO", "FORD COUNTRY", "RENAULT BUCURESTI", "KIA MOTORS")
_BADGES = ("TOYOTA", "CHEVROLET", "NEXIA", "COBALT", "LACETTI", "SPARK", "GENTRA", "DAMAS", "COROLLA",
           "CAMRY", "FORD", "RENAULT", "DACIA", "LOGAN", "HYUNDAI", "KIA", "TDI", "4x4", "HYBRID", "1.6")
_RAMP256 = np.arange(256, dtype=np.float64) / 255.0


def _clamp(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


@dataclass(frozen=True)
class Conditions:
    """The augmentations chosen for one sample (see the P_* constants)."""

    ir: bool
    invert: bool
    overexposed: bool
    low_light: bool
    dirt: bool
    occlusion: bool
    bolts: bool
    holder: bool
    dealer_frame: bool
    shadow: bool
    motion: bool
    defocus: bool
    noise: bool
    jpeg: bool

    @staticmethod
    def draw(rng: np.random.Generator) -> "Conditions":
        u = rng.random(14).tolist()
        ir = u[0] < P_IR
        over = u[2] < P_OVEREXPOSED
        return Conditions(
            ir=ir, invert=ir and u[1] < P_IR_INVERT, overexposed=over,
            low_light=not over and not ir and u[3] < P_LOW_LIGHT, dirt=u[4] < P_DIRT,
            occlusion=u[5] < P_OCCLUSION, bolts=u[6] < P_BOLTS, holder=u[7] < P_HOLDER,
            dealer_frame=u[8] < P_DEALER_FRAME, shadow=u[9] < P_SHADOW, motion=u[10] < P_MOTION,
            defocus=u[11] < P_DEFOCUS, noise=u[12] < P_NOISE, jpeg=u[13] < P_JPEG)


# ---- random field banks ----------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _gauss_bank() -> np.ndarray:
    return np.random.default_rng(20240601).standard_normal((512, 512), dtype=np.float32)


@functools.lru_cache(maxsize=None)
def _smooth_bank() -> np.ndarray:
    """Smooth noise in [0, 1], 512 x 512, with features of ~8 to ~64 pixels."""
    r = np.random.default_rng(20240602)
    acc = np.zeros((512, 512), np.float32)
    for cells, amp in ((8, 1.0), (24, 0.5), (64, 0.25)):
        acc += amp * cv2.resize(r.random((cells, cells), dtype=np.float32), (512, 512),
                                interpolation=cv2.INTER_CUBIC)
    acc -= acc.min()
    return acc / acc.max()


def _crop(rng: np.random.Generator, bank: np.ndarray, h: int, w: int) -> np.ndarray:
    """A random h x w window of a bank (the bank resized when the window is larger)."""
    bh, bw = bank.shape
    if h > bh or w > bw:
        return cv2.resize(bank, (max(w, 1), max(h, 1)), interpolation=cv2.INTER_LINEAR)
    y = int(rng.integers(0, bh - h + 1))
    x = int(rng.integers(0, bw - w + 1))
    return bank[y:y + h, x:x + w]


def _blend_grey(img: np.ndarray, mask: np.ndarray, x0: int, y0: int, level: float) -> None:
    """Paints grey ``level`` through ``mask`` (uint8) at (x0, y0) in place, clipped."""
    mh, mw = mask.shape
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + mw, img.shape[1]), min(y0 + mh, img.shape[0])
    if ax1 <= ax0 or ay1 <= ay0:
        return
    region = img[ay0:ay1, ax0:ax1]
    a = mask[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0]
    region[:] = cv2.add(cv2.multiply(region, cv2.bitwise_not(a), scale=1 / 255),
                        cv2.multiply(a, level, scale=1 / 255))


# ---- flat plate (colour) ---------------------------------------------------------------

def finish_plate(rng: np.random.Generator, img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Uneven light across the plate and now and then an aged tint; pixels outside
    ``mask`` are kept."""
    out = img.astype(np.float32)
    if rng.random() < P_UNEVEN_LIGHT:
        h, w = img.shape[:2]
        a, b = rng.uniform(0.8, 1.05, 2)
        along_x = rng.random() < 0.6
        ramp = np.linspace(a, b, w if along_x else h, dtype=np.float32)
        out *= ramp[None, :, None] if along_x else ramp[:, None, None]
    if rng.random() < 0.15:  # yellowed, dusty
        out *= np.array([rng.uniform(0.75, 0.95), rng.uniform(0.9, 1.0), 1.0], np.float32)
    out = np.minimum(out, 255).astype(np.uint8)
    outside = mask < 128
    out[outside] = img[outside]
    return out


# ---- plate plane (grey) ----------------------------------------------------------------

def plate_to_grey(plate, cond: Conditions) -> np.ndarray:
    """Grey plate as a colour camera's luma, or an IR look: with dark ink, coloured
    backgrounds turn light (the brightest channel stands in for near infrared)."""
    if cond.ir and plate.dark_text:
        return plate.image.max(axis=2)
    return cv2.cvtColor(plate.image, cv2.COLOR_BGR2GRAY)


def _soft_saturation_lut(gain: float, clip: float) -> np.ndarray:
    y = (1 - np.exp(-gain * _RAMP256)) / (1 - np.exp(-gain)) * clip
    return np.minimum(y * 255, 255).astype(np.uint8)


def plate_plane(rng: np.random.Generator, grey: np.ndarray, plate, cond: Conditions) -> np.ndarray:
    """Uneven light, IR contrast, blown highlights, dirt, bolts and small occlusions on the
    grey plate; the corners outside the plate get a random dark level."""
    h, w = grey.shape
    boxes = plate.char_boxes
    cap = float((boxes[:, 3] - boxes[:, 1]).mean())
    out = grey
    if rng.random() < P_UNEVEN_LIGHT:  # brightness 0.75..1.05 ramping along x or y
        a, b = rng.uniform(0.75, 1.05, 2)
        along_x = rng.random() < 0.6
        ramp = np.linspace(a, b, w if along_x else h, dtype=np.float32)
        ramp = np.broadcast_to(ramp[None, :] if along_x else ramp[:, None], (h, w))
        out = cv2.multiply(out, ramp, dtype=cv2.CV_8U)
    if cond.ir:  # stretched to full contrast
        lo, hi = np.percentile(out[::3, ::3], (2, 98))
        scale = 255.0 / max(hi - lo, 20.0)
        out = cv2.convertScaleAbs(out, alpha=scale * rng.uniform(0.8, 1.0), beta=-lo * scale + rng.uniform(0, 30))
        if cond.invert:
            out = cv2.bitwise_not(out)
    if cond.overexposed:  # soft saturation (gain 2..5) and a specular spot (+20..60)
        out = cv2.LUT(out, _soft_saturation_lut(rng.uniform(2.0, 5.0), rng.uniform(1.0, 1.15)))
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.3, 1.0) * w
        gx = np.exp(-((np.arange(w, dtype=np.float32) - cx) / r) ** 2)
        gy = np.exp(-((np.arange(h, dtype=np.float32) - cy) / r) ** 2)
        out = cv2.add(out, np.outer(gy, gx) * rng.uniform(20, 60), dtype=cv2.CV_8U)
    if cond.dirt:
        field = _crop(rng, _smooth_bank(), h, w)
        a = np.clip((field - rng.uniform(0.45, 0.75)) * rng.uniform(4, 10), 0, 1) * rng.uniform(0.3, 0.8)
        a = np.minimum(a + (_crop(rng, _gauss_bank(), h, w) > rng.uniform(2.2, 3.0)) * 0.5, 1.0)
        out = (out * (1 - a) + rng.uniform(50, 140) * a + 0.5).astype(np.uint8)
    if cond.bolts:
        _bolts(rng, out, boxes, cap)
    if cond.occlusion:
        _occlude(rng, out, boxes, cap)
    r = int(np.ceil(0.08 * h)) + 1
    dark = int(rng.integers(0, 90))
    for ys in (slice(0, r), slice(h - r, h)):
        for xs in (slice(0, r), slice(w - r, w)):
            out[ys, xs][plate.mask[ys, xs] < 128] = dark
    return out


def _bolts(rng: np.random.Generator, img: np.ndarray, boxes: np.ndarray, cap: float) -> None:
    """Two mounting bolts, in gaps between characters where possible, or near the top."""
    h, w = img.shape
    r = cap * rng.uniform(0.07, 0.11)
    gaps = [(boxes[i, 2] + boxes[i + 1, 0]) / 2 for i in range(len(boxes) - 1)
            if boxes[i + 1, 0] - boxes[i, 2] > 2.2 * r and abs(boxes[i + 1, 1] - boxes[i, 1]) < cap * 0.5]
    if len(gaps) >= 2 and rng.random() < 0.6:
        i, j = rng.permutation(len(gaps))[:2]
        ys = (boxes[:, 1].min() + cap * rng.uniform(0.15, 0.5),) * 2
        xs = (gaps[i], gaps[j])
    else:
        top = boxes[:, 1].min()
        ys = (min(r * 1.6, top - r * 0.5) if top > 2 * r else r * 1.4,) * 2
        xs = (w * rng.uniform(0.15, 0.3), w * rng.uniform(0.7, 0.85))
    u = rng.random()
    head = rng.uniform(150, 230) if u < 0.4 else rng.uniform(40, 90) if u < 0.7 else float(img[::4, ::4].mean())
    t = max(1, int(r * 0.25))
    for x, y in zip(xs, ys):
        c = (int(round(x * 16)), int(round(y * 16)))
        cv2.circle(img, c, int(round(r * 16)), head, -1, cv2.LINE_AA, 4)
        cv2.circle(img, c, int(round(r * 16)), max(0.0, head - 70), t, cv2.LINE_AA, 4)
        if rng.random() < 0.6:  # screwdriver slot
            d = int(round(r * 0.6 * 16))
            cv2.line(img, (c[0] - d, c[1]), (c[0] + d, c[1]), max(0.0, head - 90), t, cv2.LINE_AA, 4)


def _occlude(rng: np.random.Generator, img: np.ndarray, boxes: np.ndarray, cap: float) -> None:
    """A blob (radius <= 0.18 cap) at the top or bottom edge of one character, or a thin bar
    (<= 0.08 cap) across it: small enough that the text stays readable."""
    x0, y0, x1, y1 = boxes[int(rng.integers(len(boxes)))]
    level = rng.uniform(10, 60) if rng.random() < 0.5 else rng.uniform(170, 240)
    if rng.random() < 0.5:
        cx = rng.uniform(x0, x1)
        cy = (y0 if rng.random() < 0.5 else y1) + rng.uniform(-0.1, 0.1) * cap
        axes = (int(cap * rng.uniform(0.08, 0.18) * 16), int(cap * rng.uniform(0.06, 0.14) * 16))
        cv2.ellipse(img, (int(cx * 16), int(cy * 16)), axes, rng.uniform(0, 180), 0, 360, level, -1,
                    cv2.LINE_AA, 4)
    else:
        t = max(1, int(cap * rng.uniform(0.04, 0.08)))
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        length = (x1 - x0) * rng.uniform(0.6, 2.0)
        ang = rng.uniform(-0.4, 0.4)
        dx, dy = np.cos(ang) * length / 2, np.sin(ang) * length / 2
        cv2.line(img, (int((cx - dx) * 16), int((cy - dy) * 16)), (int((cx + dx) * 16), int((cy + dy) * 16)),
                 level, t, cv2.LINE_AA, 4)


def surroundings(rng: np.random.Generator, grey: np.ndarray, cond: Conditions) -> tuple[np.ndarray, tuple[int, int]]:
    """The plate inside a holder recess or a dealer frame (same plane); returns the image
    and the plate's top-left corner in it."""
    if not (cond.holder or cond.dealer_frame):
        return grey, (0, 0)
    h, w = grey.shape
    if cond.dealer_frame:
        top, bottom, side = (int(h * rng.uniform(0.08, 0.2)), int(h * rng.uniform(0.18, 0.4)),
                             int(w * rng.uniform(0.02, 0.05)))
        level = rng.uniform(10, 50) if rng.random() < 0.5 else rng.uniform(140, 220)
    else:
        top, bottom, side = (int(h * rng.uniform(0.03, 0.15)), int(h * rng.uniform(0.03, 0.15)),
                             int(w * rng.uniform(0.01, 0.05)))
        level = rng.uniform(5, 60)
    out = np.empty((h + top + bottom, w + 2 * side), np.uint8)
    out[:] = int(level)
    out[top:top + h, side:side + w] = grey
    lip = int(round(h * rng.uniform(0.0, 0.04)))
    if lip:  # the frame overlaps the plate's rim
        out[top:top + lip, side:side + w] = int(level)
        out[top + h - lip:top + h, side:side + w] = int(level)
    if cond.dealer_frame:
        ink = 235.0 if level < 100 else 25.0
        bands = [(top + h, bottom)] + ([(0, top)] if rng.random() < 0.5 else [])
        for band_y, band_h in bands:
            text = _DEALERS[int(rng.integers(len(_DEALERS)))]
            m = fonts.phrase("nimbus_sans" if rng.random() < 0.5 else "dejavu_cond", text)
            th = max(3, int(band_h * rng.uniform(0.45, 0.7)))
            tw = max(1, min(int(m.shape[1] * th / m.shape[0]), out.shape[1] - 4))
            m = cv2.resize(m, (tw, th), interpolation=cv2.INTER_AREA)
            _blend_grey(out, m, (out.shape[1] - tw) // 2, band_y + (band_h - th) // 2, ink)
    return out, (side, top)


# ---- scene -----------------------------------------------------------------------------

def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def perspective_quad(rng: np.random.Generator, w: float, h: float) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of a w x h plate seen with yaw up to +-35 degrees (sd 16),
    roll up to +-20 (sd 7) and pitch up to +-12, through a pinhole 1.5 to 8 plate widths
    away; centred at 0."""
    yaw = np.deg2rad(_clamp(rng.normal(0, 16), -35, 35))
    roll = np.deg2rad(_clamp(rng.normal(0, 7), -20, 20))
    pitch = np.deg2rad(rng.uniform(-12, 12))
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    rot = pts @ _rotation(yaw, pitch, roll).T
    dist = w * rng.uniform(1.5, 8.0)
    return rot[:, :2] * (dist / (dist + rot[:, 2:3]))


def background(rng: np.random.Generator, h: int, w: int, cond: Conditions) -> np.ndarray:
    """A grey car-rear-like background: body colour, light gradient, texture, edges, badges."""
    level = rng.uniform(0, 60) if cond.ir else rng.uniform(10, 235)
    if cond.low_light:
        level *= 0.5
    ang = rng.uniform(0, 2 * np.pi)
    amp = rng.uniform(0, 50)
    ramp = (np.linspace(-amp * np.cos(ang), amp * np.cos(ang), w, dtype=np.float32)[None, :]
            + np.linspace(-amp * np.sin(ang), amp * np.sin(ang), h, dtype=np.float32)[:, None])
    texture = rng.uniform(0, 60)
    out = cv2.addWeighted(ramp, 1.0, _crop(rng, _smooth_bank(), h, w), texture, level - texture / 2,
                          dtype=cv2.CV_8U)
    for _ in range(int(rng.integers(0, 5))):  # bumper edges, grille slats
        y = int(rng.integers(0, h))
        dy = int(rng.integers(-h // 8 - 1, h // 8 + 1))
        cv2.line(out, (0, y), (w, y + dy), rng.uniform(0, 255), int(rng.integers(1, max(2, h // 12))), cv2.LINE_AA)
    if rng.random() < 0.15:  # a badge or model name near the plate
        m = fonts.phrase("nimbus_sans", _BADGES[int(rng.integers(len(_BADGES)))])
        th = max(3, int(h * rng.uniform(0.06, 0.14)))
        m = cv2.resize(m, (max(1, int(m.shape[1] * th / m.shape[0])), th), interpolation=cv2.INTER_AREA)
        _blend_grey(out, m, int(rng.integers(0, max(1, w - m.shape[1]))), int(rng.integers(0, max(1, h - th))),
                    20.0 if rng.random() < 0.5 else 230.0)
    return out


def place_in_scene(rng: np.random.Generator, assembly: np.ndarray, origin: tuple[int, int],
                   plate_hw: tuple[int, int], k: float, cond: Conditions) -> tuple[np.ndarray, np.ndarray]:
    """Warps the plate-plane image into a background canvas at scale ``k`` (scene pixels per
    plate pixel) with a random perspective; returns the canvas and the plate quad in it."""
    ph, pw = plate_hw
    ox, oy = origin
    if k < 0.95:  # shrink first, so that the warp samples without aliasing
        kw = max(4, int(round(assembly.shape[1] * k)))
        kh = max(4, int(round(assembly.shape[0] * k)))
        sx, sy = kw / assembly.shape[1], kh / assembly.shape[0]
        assembly = cv2.resize(assembly, (kw, kh), interpolation=cv2.INTER_AREA)
        ox, oy, pw, ph = ox * sx, oy * sy, pw * sx, ph * sy
        k = 1.0
    quad = perspective_quad(rng, pw * k, ph * k)
    size = quad.max(axis=0) - quad.min(axis=0)
    pad = np.array([0.15 * size[0] + 0.05 * size[1], 0.3 * size[1] + 0.02 * size[0]]) + 3
    quad = quad - quad.min(axis=0) + pad * rng.uniform(0.8, 1.2, 2)
    cw, ch = (size + 2 * pad + 1).astype(int)
    canvas = background(rng, int(ch), int(cw), cond)
    src = np.float32([[ox, oy], [ox + pw, oy], [ox + pw, oy + ph], [ox, oy + ph]])
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    # Warp only over the bounding box of the warped plate-plane image.
    ah, aw = assembly.shape
    outline = cv2.perspectiveTransform(np.float32([[[0, 0], [aw, 0], [aw, ah], [0, ah]]]), m)[0]
    x0, y0 = np.maximum(np.floor(outline.min(axis=0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(outline.max(axis=0)).astype(int) + 2, (cw, ch))
    if x1 > x0 and y1 > y0:
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
        cv2.warpPerspective(assembly, shift @ m, (int(x1 - x0), int(y1 - y0)), dst=canvas[y0:y1, x0:x1],
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
    return canvas, quad


def camera(rng: np.random.Generator, img: np.ndarray, char_h: float, cond: Conditions) -> np.ndarray:
    """Shadow, exposure, motion blur, defocus, sensor noise and JPEG on the grey scene;
    blur sizes are bounded by the characters' height ``char_h`` in scene pixels."""
    h, w = img.shape
    if cond.shadow:  # a straight, soft shadow edge somewhere across the scene
        ang = rng.uniform(0, 2 * np.pi)
        soft = max(1.0, char_h * rng.uniform(0.1, 1.0))
        xs = (np.arange(w, dtype=np.float32) - rng.uniform(0.3, 0.7) * w) * np.float32(np.cos(ang) / soft)
        ys = (np.arange(h, dtype=np.float32) - rng.uniform(0.3, 0.7) * h) * np.float32(np.sin(ang) / soft)
        side = np.clip(xs[None, :] + ys[:, None] + 0.5, 0, 1)
        img = cv2.multiply(img, 1.0 - side * np.float32(rng.uniform(0.3, 0.65)), dtype=cv2.CV_8U)
    if cond.low_light:  # gamma 1.1..1.7, gain 0.4..0.8
        gamma, gain = rng.uniform(1.1, 1.7), rng.uniform(0.4, 0.8)
        img = cv2.LUT(img, (_RAMP256 ** gamma * (gain * 255)).astype(np.uint8))
    elif rng.random() < P_EXPOSURE:  # gamma 0.67..1.5, black 0..40, white 200..255
        gamma = np.exp(rng.uniform(-0.4, 0.4))
        lo, hi = rng.uniform(0, 40), rng.uniform(200, 255)
        if rng.random() < P_LOW_CONTRAST:  # haze, a dirty or unlit plate at night: 40..120 levels
            span = rng.uniform(40, 120)
            lo = rng.uniform(0, 255 - span)
            hi = lo + span
        img = cv2.LUT(img, (lo + _RAMP256 ** gamma * (hi - lo)).astype(np.uint8))
    blurred = False
    if cond.motion:  # 2..(2 + 0.12 char height) px, at most 7
        n = int(_clamp(rng.uniform(2, 2 + 0.12 * char_h), 2, 7))
        kern = np.zeros((n, n), np.float32)
        ang = rng.uniform(0, np.pi)
        c = (n - 1) / 2
        dx, dy = np.cos(ang) * c, np.sin(ang) * c
        cv2.line(kern, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1,
                 cv2.LINE_AA)
        img = cv2.filter2D(img, -1, kern / kern.sum(), borderType=cv2.BORDER_REPLICATE)
        blurred = True
    if cond.defocus:  # sigma 0.4..max(0.5, 0.05 char height), halved after motion blur
        sigma = rng.uniform(0.4, max(0.5, 0.05 * char_h)) * (0.5 if blurred else 1.0)
        img = cv2.GaussianBlur(img, (0, 0), max(sigma, 0.3))
    if cond.noise:  # Gaussian, sd 2..10 (x1.3 in low light)
        sd = rng.uniform(2, 10) * (1.3 if cond.low_light else 1.0)
        img = cv2.addWeighted(img, 1.0, _crop(rng, _gauss_bank(), h, w), sd, 0.0, dtype=cv2.CV_8U)
    if cond.jpeg:  # quality 15..90; from 25 for characters under 20 px, from 40 under 12 px
        q = int(rng.integers(15 if char_h >= 20 else 25 if char_h >= 12 else 40, 91))
        img = cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])[1], cv2.IMREAD_GRAYSCALE)
    return img


# ---- detection -------------------------------------------------------------------------

def detect(rng: np.random.Generator, quad: np.ndarray) -> np.ndarray:
    """The quad as a detector reports it: each corner off by up to 5% of the plate's width
    (x) and height (y), now and then up to 10%, after a common scale error of -5..+10%
    (or, in P_LOOSE_QUAD of samples, +10..+25%)
    (real detectors trained on loose axis-aligned boxes, e.g. openlpr's, report loose quads
    that take in the plate frame)."""
    q = np.asarray(quad, np.float64)
    w = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    h = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    err = 0.10 if rng.random() < P_BIG_CORNER_ERROR else 0.05
    c = q.mean(axis=0)
    loose = rng.random() < P_LOOSE_QUAD
    q = c + (q - c) * (rng.uniform(1.10, 1.25) if loose else rng.uniform(0.95, 1.10))
    return (q + rng.uniform(-err, err, (4, 2)) * np.array([w, h])).astype(np.float32)
