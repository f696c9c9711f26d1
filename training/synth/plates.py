"""Synthetic licence plates for training the recogniser and the detector.

Public API (imported by the training loops):

- ``render_plate(rng, kind=None) -> Plate``: one flat, upright plate image and its text.
- ``recognizer_sample(rng, kind=None) -> (crop, text)``: a grey REC_HEIGHT x REC_WIDTH
  crop made the way the C++ reader makes it: the plate seen in perspective in a scene,
  detected with corner errors and rectified by PerspectiveRectifier's homography.
- ``paste_into_scene(rng, scene_bgr, quad, plate) -> (image, quad)``: a real photo with a
  synthetic plate pasted over an annotated plate.
- ``KINDS``: the plate kinds (see ``training/synth/README.md``).

Everything random is drawn from the ``numpy.random.Generator`` passed in, so equal seeds
give equal samples.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from training.constants import REC_HEIGHT, REC_MARGIN, REC_WIDTH
from training.synth import augment
from training.synth.layouts import DESIGNS
from training.synth.painter import luminance

KINDS: tuple[str, ...] = tuple(DESIGNS)
_CUMULATIVE = np.cumsum([w for _, w in DESIGNS.values()])
_CUMULATIVE /= _CUMULATIVE[-1]


@dataclass(frozen=True)
class Plate:
    """A flat synthetic plate.

    image: BGR uint8 H x W x 3, upright, cropped at the plate edge. mask: uint8 H x W, 255
    on the plate, 0 outside its rounded corners. text: A-Z0-9, top line then bottom line.
    kind: one of KINDS. lines: 1 or 2. char_boxes: float32 N x 4 pixel boxes (x0, y0, x1,
    y1) of the N text characters, in text order. dark_text: the characters are darker than
    the background.
    """

    image: np.ndarray
    mask: np.ndarray
    text: str
    kind: str
    lines: int
    char_boxes: np.ndarray
    dark_text: bool


def _choose_kind(rng: np.random.Generator, kind: str | None) -> str:
    if kind is None:
        return KINDS[min(int(np.searchsorted(_CUMULATIVE, rng.random(), side="right")), len(KINDS) - 1)]
    if kind not in DESIGNS:
        raise ValueError(f"unknown plate kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def _render(rng: np.random.Generator, kind: str, px_per_mm: float | None) -> Plate:
    painter, text = DESIGNS[kind][0](rng, px_per_mm)
    boxes = np.asarray(painter.char_boxes, np.float32).reshape(-1, 4)
    if len(boxes) != len(text):
        raise AssertionError(f"{kind}: {len(boxes)} character boxes for text {text!r}")
    dark = luminance(painter.ink) < luminance(painter.bg)
    return Plate(painter.finish(), painter.mask, text, kind, 2 if kind.endswith("two_line") else 1, boxes, dark)


def render_plate(rng: np.random.Generator, kind: str | None = None) -> Plate:
    """A random flat plate of ``kind`` (None: drawn by the kind weights), about 44k pixels,
    with uneven light and now and then an aged tint."""
    plate = _render(rng, _choose_kind(rng, kind), None)
    return replace(plate, image=augment.finish_plate(rng, plate.image, plate.mask))


def recognizer_sample(rng: np.random.Generator, kind: str | None = None) -> tuple[np.ndarray, str]:
    """A grey uint8 REC_HEIGHT x REC_WIDTH recogniser input and its text.

    The plate is rendered at about its size in the scene, seen with a random yaw (+-35
    degrees), roll (+-20) and pitch (+-12), put on a random background, degraded by the
    camera augmentations, then cut out through corners with detector-like errors and
    rectified exactly as the C++ PerspectiveRectifier does (quad grown about its centre by
    1 + 2 * REC_MARGIN, mapped to (0,0) (W,0) (W,H) (0,H), bilinear, replicated border).
    """
    kind = _choose_kind(rng, kind)
    # Scene scale: a 110 mm tall plate is 12..30 px (low resolution) or 30..70 px tall (larger
    # plates are downscaled by the rectifier and look the same as 70 px ones).
    h110 = rng.uniform(12, 30) if rng.random() < 0.3 else float(np.exp(rng.uniform(np.log(30), np.log(70))))
    s_scene = h110 / 110.0
    s_render = max(s_scene * rng.uniform(1.0, 1.3), 40.0 / 110.0)
    plate = _render(rng, kind, s_render)
    cond = augment.Conditions.draw(rng)
    grey = augment.plate_plane(rng, augment.plate_to_grey(plate, cond), plate, cond)
    assembly, origin = augment.surroundings(rng, grey, cond)
    canvas, quad = augment.place_in_scene(rng, assembly, origin, plate.image.shape[:2], s_scene / s_render, cond)
    char_h = float((plate.char_boxes[:, 3] - plate.char_boxes[:, 1]).mean()) * s_scene / s_render
    canvas = augment.camera(rng, canvas, char_h, cond)
    corners = augment.detect(rng, quad)
    return rectify(canvas, corners), plate.text


def rectify(image: np.ndarray, quad: np.ndarray, width: int = REC_WIDTH, height: int = REC_HEIGHT,
            margin: float = REC_MARGIN) -> np.ndarray:
    """The C++ PerspectiveRectifier::rectify: ``quad`` (TL, TR, BR, BL) grown about its
    centre by 1 + 2 * margin, mapped onto a width x height image."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    centre = q.mean(axis=0)
    src = (centre + (q - centre) * (1.0 + 2.0 * margin)).astype(np.float32)
    dst = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def paste_into_scene(rng: np.random.Generator, scene_bgr: np.ndarray, quad: np.ndarray,
                     plate: Plate) -> tuple[np.ndarray, np.ndarray]:
    """Pastes ``plate`` over the plate at ``quad`` (4 x 2, TL TR BR BL, pixels) of a photo.

    The new plate keeps its own aspect ratio: the quad is widened or heightened (along its
    own axes, about its centre) until the new plate covers the old one, plus up to 4%. The
    plate is matched to the old plate's brightness and colour cast, blurred to the photo's
    scale and given the photo's noise. Returns a new image (the input is not modified) and
    the float32 4 x 2 quad of the pasted plate.
    """
    q = np.asarray(quad, np.float64).reshape(4, 2)
    ph, pw = plate.image.shape[:2]
    qw = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    qh = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    if qw < 2 or qh < 2:
        raise ValueError(f"paste_into_scene: degenerate quad {q.tolist()}")
    ratio = (pw / ph) / (qw / qh)
    gx, gy = (ratio, 1.0) if ratio > 1 else (1.0, 1.0 / ratio)
    grow = rng.uniform(1.0, 1.04)
    unit = np.float32([[0, 0], [1, 0], [1, 1], [0, 1]])
    to_quad = cv2.getPerspectiveTransform(unit, q.astype(np.float32))
    new_unit = 0.5 + (unit - 0.5) * np.float32([gx * grow, gy * grow])
    new_q = cv2.perspectiveTransform(new_unit[None], to_quad)[0]

    out = scene_bgr.copy()
    x0, y0 = np.floor(new_q.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(new_q.max(axis=0)).astype(int) + 3
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, out.shape[1]), min(y1, out.shape[0])
    if x1 <= x0 or y1 <= y0:
        return out, new_q.astype(np.float32)
    roi = out[y0:y1, x0:x1]

    img, mask = plate.image, plate.mask
    new_w = (np.linalg.norm(new_q[1] - new_q[0]) + np.linalg.norm(new_q[2] - new_q[3])) / 2
    if new_w < pw * 0.8:  # pre-shrink so the warp does not alias
        k = max(new_w * 1.25, 8) / pw
        img = cv2.resize(img, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        mask = cv2.resize(mask, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
    src = np.float32([[0, 0], [img.shape[1], 0], [img.shape[1], img.shape[0]], [0, img.shape[0]]])
    m = cv2.getPerspectiveTransform(src, (new_q - np.float32([x0, y0])).astype(np.float32))
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpPerspective(img, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.warpPerspective(mask, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    # Light and colour: match the mean of each channel inside the old plate (partly), and
    # its contrast.
    old_mask = np.zeros(roi.shape[:2], np.uint8)
    cv2.fillConvexPoly(old_mask, np.round(q - [x0, y0]).astype(np.int32), 255)
    inside = alpha > 127
    if old_mask.any() and inside.any():
        old = roi[old_mask > 0].astype(np.float32)
        new = warped[inside].astype(np.float32)
        gain = np.clip(old.mean(axis=0) / np.maximum(new.mean(axis=0), 1.0), 0.25, 1.6)
        gain = gain ** rng.uniform(0.6, 1.0)
        contrast = float(np.clip(old.std() / max(new.std(), 1.0), 0.4, 1.2))
        mean = new.mean(axis=0)
        adj = (warped.astype(np.float32) - mean) * contrast + mean
        warped = np.clip(adj * gain, 0, 255).astype(np.uint8)
    sigma = rng.uniform(0.3, 1.0) * max(0.5, new_w / 300.0)
    warped = cv2.GaussianBlur(warped, (0, 0), sigma)
    noise = rng.normal(0.0, rng.uniform(0.5, 4.0), warped.shape).astype(np.float32)
    warped = np.clip(warped.astype(np.float32) + noise, 0, 255)
    a = (alpha.astype(np.float32) / 255.0)[..., None]
    roi[:] = (roi.astype(np.float32) * (1 - a) + warped * a + 0.5).astype(np.uint8)
    return out, new_q.astype(np.float32)
