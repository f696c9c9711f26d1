#!/usr/bin/python3
"""Trains roadwarden's learned plate detector (CenterNet-style, one stage).

Method: Zhou, Wang & Krähenbühl, "Objects as Points" (CenterNet, arXiv:1904.07850, 2019):
a per-cell centre heatmap trained with the penalty-reduced pixel-wise focal loss, plus a
regression of the object's geometry at the centre cells. Here the geometry is the plate's
4 corners (TL, TR, BR, BL), each as (corner - cell centre) / DET_CORNER_SCALE. Heatmap
targets are elliptical Gaussians sized from the plate (as in TTFNet, Liu et al. 2019).

Output grid: one cell per DET_STRIDE input pixels; cell (i, j) has its centre at
((j + 0.5) * stride, (i + 0.5) * stride) in input pixels.

Input: BGR, float /255, letterboxed (top-left anchored, pad value PAD_VALUE) at inference.

Usage (run with Debian's /usr/bin/python3):
  nice /usr/bin/python3 -m training.detector.train --hours 1.3 --run main
  nice /usr/bin/python3 -m training.detector.train --hours 1.3 --run main --resume
"""
from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from training.constants import DET_CORNER_SCALE, DET_SIZE, DET_STRIDE  # noqa: E402
from training.data import is_validation  # noqa: E402

DATA_DIR = Path("/work/shared/data/plates-train")
SCENE_SOURCES = ("uz_izzatullo_scene", "openlpr_mixed", "ro_robertlucian")
PAD_VALUE = 114  # letterbox / out-of-image fill, all 3 channels
VAL_PERCENT = 10
CROP = 320


# ----------------------------------------------------------------------------- model

def cbr(cin: int, cout: int, k: int = 3, s: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


def dws(cin: int, cout: int, s: int = 1) -> nn.Sequential:
    """Depthwise-separable 3x3 conv (MobileNet): dw3x3-BN-ReLU, pw1x1-BN-ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, s, 1, groups=cin, bias=False), nn.BatchNorm2d(cin),
                         nn.ReLU(inplace=True), nn.Conv2d(cin, cout, 1, 1, 0, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PlateNet(nn.Module):
    """Small depthwise-separable backbone (strides 2..32) + FPN-like top-down path to stride 4.

    forward(x: N×3×H×W, BGR/255) -> (heatmap logits N×1×H/4×W/4, corners N×8×H/4×W/4).
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = cbr(3, 16, 3, 2)                                    # /2
        self.c4 = nn.Sequential(dws(16, 32, 2), dws(32, 32))           # /4
        self.c8 = nn.Sequential(dws(32, 64, 2), dws(64, 64), dws(64, 64))           # /8
        self.c16 = nn.Sequential(dws(64, 128, 2), dws(128, 128), dws(128, 128))    # /16
        self.c32 = nn.Sequential(dws(128, 192, 2), dws(192, 192), dws(192, 192))   # /32
        self.lat32 = cbr(192, 64, 1)
        self.lat16 = cbr(128, 64, 1)
        self.smooth16 = dws(64, 64)
        self.lat8 = cbr(64, 64, 1)
        self.smooth8 = dws(64, 64)
        self.reduce8 = cbr(64, 32, 1)
        self.lat4 = cbr(32, 32, 1)
        self.smooth4 = dws(32, 32)
        self.hm_head = nn.Sequential(dws(32, 32), nn.Conv2d(32, 1, 1))
        self.reg_head = nn.Sequential(dws(32, 32), nn.Conv2d(32, 8, 1))
        nn.init.constant_(self.hm_head[-1].bias, -2.19)  # prior p = 0.1 (CenterNet)
        nn.init.normal_(self.reg_head[-1].weight, std=0.001)
        nn.init.zeros_(self.reg_head[-1].bias)

    @staticmethod
    def up(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2.0, mode="nearest")

    def forward(self, x: torch.Tensor):
        x = self.stem(x)
        f4 = self.c4(x)
        f8 = self.c8(f4)
        f16 = self.c16(f8)
        f32 = self.c32(f16)
        p = self.lat32(f32)
        p = self.smooth16(self.up(p) + self.lat16(f16))
        p = self.smooth8(self.up(p) + self.lat8(f8))
        p = self.smooth4(self.up(self.reduce8(p)) + self.lat4(f4))
        return self.hm_head(p), self.reg_head(p)


class ExportNet(nn.Module):
    """What is exported: one output N×9×H/4×W/4 = [sigmoid(heatmap), 8 corner offsets]."""

    def __init__(self, net: PlateNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hm, reg = self.net(x)
        return torch.cat([torch.sigmoid(hm), reg], dim=1)


# ----------------------------------------------------------------------------- data

def is_val(image: str) -> bool:
    """The fixed validation split shared with the recogniser (training/data.py)."""
    return is_validation(str(DATA_DIR / image), VAL_PERCENT)


def load_manifest() -> tuple[list[dict], list[dict]]:
    """Scene images grouped: [{'image', 'source', 'quads': float32 P×4×2}], train and val."""
    groups: dict[str, dict] = {}
    with open(DATA_DIR / "manifest.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["source"] not in SCENE_SOURCES:
                continue
            g = groups.setdefault(row["image"], {"image": row["image"], "source": row["source"],
                                                 "quads": []})
            q = [float(row[k]) for k in ("x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4")]
            g["quads"].append(np.array(q, np.float32).reshape(4, 2))
    train, val = [], []
    for name in sorted(groups):
        g = groups[name]
        g["quads"] = np.stack(g["quads"])
        (val if is_val(name) else train).append(g)
    return train, val


def letterbox(img: np.ndarray, size: int = DET_SIZE) -> tuple[np.ndarray, float]:
    """Top-left anchored letterbox: scale = size / max(h, w) (may upscale), pad PAD_VALUE."""
    h, w = img.shape[:2]
    s = size / max(h, w)
    nw, nh = min(size, round(w * s)), min(size, round(h * s))
    out = np.full((size, size, 3), PAD_VALUE, np.uint8)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    out[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=interp)
    return out, s


def flip_quads(quads: np.ndarray, width: float) -> np.ndarray:
    """Mirror horizontally keeping the order TL, TR, BR, BL."""
    q = quads.copy()
    q[..., 0] = width - q[..., 0]
    return q[:, [1, 0, 3, 2]]


def order_quad(q: np.ndarray) -> np.ndarray:
    """Reorders 4 points clockwise starting at the top-left (after strong rotations)."""
    c = q.mean(0)
    ang = np.arctan2(q[:, 1] - c[1], q[:, 0] - c[0])
    q = q[np.argsort(ang)]  # clockwise in image coords (y down), starting near -pi (left)
    start = np.argmin(q[:, 0] + q[:, 1])
    return np.roll(q, -start, axis=0)


class Synth:
    """Optional synthetic plates from training/synth/plates.py (another helper's module).

    Never blocks training: when the module is missing or fails to import, the import is
    retried every RETRY_S seconds (the module may still be being written); after 20 failed
    pastes it is switched off for the run.
    """

    RETRY_S = 600.0

    def __init__(self, log, kind_weights=()) -> None:
        self.kind_weights = list(kind_weights)  # [(kind, weight)]; empty: the generator's own
        self.mod = None
        self.log = log
        self.failures = 0
        self.last_try = -1e9
        self.try_import()

    def try_import(self) -> None:
        if self.mod is not None or self.failures >= 20 or time.time() - self.last_try < self.RETRY_S:
            return
        self.last_try = time.time()
        try:
            if (REPO / "training" / "synth" / "plates.py").exists():
                for name in [m for m in sys.modules if m.startswith("training.synth")]:
                    del sys.modules[name]
                mod = importlib.import_module("training.synth.plates")
                if hasattr(mod, "paste_into_scene") and hasattr(mod, "render_plate"):
                    self.mod = mod
                    self.log("synthetic plates: enabled (training/synth/plates.py)")
                    return
            self.log("synthetic plates: not available yet")
        except Exception as e:  # noqa: BLE001 - optional dependency, never blocks training
            self.log(f"synthetic plates: not available yet ({e!r})")

    def replace(self, rng: np.random.Generator, img: np.ndarray, quad: np.ndarray):
        """(image, quad) with the plate at `quad` replaced by a synthetic one, or unchanged.

        paste_into_scene returns the pasted plate's own quad (it keeps the synthetic plate's
        aspect ratio, so the quad may grow); that quad becomes the target.
        """
        self.try_import()
        if self.mod is None:
            return img, quad
        try:
            kind = None
            if self.kind_weights:
                kinds, w = zip(*self.kind_weights)
                kind = kinds[int(rng.choice(len(kinds), p=np.array(w) / sum(w)))]
            plate = self.mod.render_plate(rng, kind)
            out, new_q = self.mod.paste_into_scene(rng, img, quad.copy(), plate)
            new_q = np.asarray(new_q, np.float32).reshape(4, 2)
            if out.shape == img.shape and out.dtype == np.uint8 and np.isfinite(new_q).all():
                return out, new_q
            raise ValueError(f"unexpected result {out.shape} {out.dtype}")
        except Exception as e:  # noqa: BLE001
            self.failures += 1
            if self.failures <= 3:
                self.log(f"synthetic plate failed ({e!r})")
            if self.failures >= 20:
                self.log("synthetic plates: disabled after 20 failures")
                self.mod = None
            return img, quad


def gaussian_targets(quads: np.ndarray, out_h: int, out_w: int):
    """Heatmap (out_h×out_w), corner targets (8×out_h×out_w) and regression weight map.

    Centre = mean of the 4 corners. Elliptical Gaussian, sigma = 0.54 * side / 6 (TTFNet),
    at least 0.7 cells. Corners are regressed at cells where the Gaussian >= 0.5 (so a
    peak one cell off still carries good corners), weighted by the Gaussian; where plates
    overlap, the larger Gaussian value wins.
    """
    hm = np.zeros((out_h, out_w), np.float32)
    reg = np.zeros((8, out_h, out_w), np.float32)
    wmap = np.zeros((out_h, out_w), np.float32)
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    for q in quads:
        c = q.mean(0) / DET_STRIDE - 0.5  # in cell index units
        w = (q[:, 0].max() - q[:, 0].min()) / DET_STRIDE
        h = (q[:, 1].max() - q[:, 1].min()) / DET_STRIDE
        sx = max(0.7, 0.54 * w / 6)
        sy = max(0.7, 0.54 * h / 6)
        ci = np.round(c).astype(int)
        if not (0 <= ci[0] < out_w and 0 <= ci[1] < out_h):
            continue
        # Gaussian centred on the peak cell (integer), so the target max is exactly 1 there.
        g = np.exp(-((xs - ci[0]) ** 2 / (2 * sx * sx) + (ys - ci[1]) ** 2 / (2 * sy * sy)))
        g[g < 1e-4] = 0
        np.maximum(hm, g, out=hm)
        m = (g >= 0.5) & (g > wmap)
        m[ci[1], ci[0]] = True
        if m.any():
            cx = (xs[m] + 0.5) * DET_STRIDE
            cy = (ys[m] + 0.5) * DET_STRIDE
            for k in range(4):
                reg[2 * k][m] = (q[k, 0] - cx) / DET_CORNER_SCALE
                reg[2 * k + 1][m] = (q[k, 1] - cy) / DET_CORNER_SCALE
            wmap[m] = np.maximum(g[m], 0.5)
    return hm, reg, wmap


class TrainData:
    def __init__(self, groups: list[dict], seed: int, log, synth_p: float = 0.3,
                 kind_weights=(), big_roll_p: float = 0.25) -> None:
        self.big_roll_p = big_roll_p
        self.groups = groups
        # Decoded once and kept in memory (about 1.5 GB): decoding per sample costs more
        # than the augmentation.
        self.images = [cv2.imread(str(DATA_DIR / g["image"]), cv2.IMREAD_COLOR) for g in groups]
        # Sample images so each source contributes in proportion to sqrt of its size
        # (the 1500 openlpr images would otherwise drown the 300 UZ and 270 RO images).
        counts: dict[str, int] = {}
        for g in groups:
            counts[g["source"]] = counts.get(g["source"], 0) + 1
        wts = np.array([1.0 / math.sqrt(counts[g["source"]]) for g in groups])
        self.p = wts / wts.sum()
        self.rng = np.random.default_rng(seed)
        self.synth = Synth(log, kind_weights)
        self.synth_p = synth_p

    def sample(self):
        rng = self.rng
        i = int(rng.choice(len(self.groups), p=self.p))
        g = self.groups[i]
        img = self.images[i]
        quads = g["quads"].copy()
        H, W = img.shape[:2]
        if rng.random() < self.synth_p:
            k = int(rng.integers(len(quads)))
            img, quads[k] = self.synth.replace(rng, img, quads[k])
        if rng.random() < 0.5:
            img = img[:, ::-1]
            quads = flip_quads(quads, W)
        # Scale: a reference plate's width becomes log-uniform in [14, 340] px.
        ref = quads[int(rng.integers(len(quads)))]
        pw = max(4.0, float(ref[:, 0].max() - ref[:, 0].min()))
        target = math.exp(rng.uniform(math.log(14), math.log(340)))
        # The scaled image covers at least 60% of the crop's side (little padding).
        s = float(np.clip(target / pw, max(0.08, 0.6 * CROP / max(H, W)), 4.0))
        # Roll: mostly small, a fraction big_roll_p (default a quarter) up to +-28 degrees
        # (tilted cameras, the 25-degree acceptance case).
        r = rng.random()
        small = 0.7 - self.big_roll_p
        ang = rng.uniform(-6, 6) if r < small else rng.uniform(-28, 28) if r < 0.7 else 0.0
        aspect = math.exp(rng.uniform(-0.1, 0.1))
        if rng.random() < 0.8:
            c = ref.mean(0) + rng.uniform(-0.35, 0.35, 2) * CROP / s  # near the plate
        else:
            c = np.array([rng.uniform(0, W), rng.uniform(0, H)])
        M = cv2.getRotationMatrix2D((float(c[0]), float(c[1])), ang, s)
        M[1] *= aspect
        # Translate so that c maps to the crop centre.
        M[:, 2] = np.array([CROP / 2, CROP / 2]) - M[:, :2] @ c
        # Corners map with the full-resolution transform (a roll under 45 degrees keeps
        # the semantic order TL, TR, BR, BL).
        pts = quads.reshape(-1, 2) @ M[:, :2].T + M[:, 2]
        q2 = pts.reshape(-1, 4, 2).astype(np.float32)
        interp = cv2.INTER_AREA if s < 0.7 else cv2.INTER_LINEAR
        if s < 0.5:  # pre-shrink so aliasing matches an INTER_AREA downscale
            f = s / 0.7
            img = cv2.resize(img, (max(1, round(W * f)), max(1, round(H * f))),
                             interpolation=cv2.INTER_AREA)
            fx, fy = img.shape[1] / W, img.shape[0] / H
            M = M @ np.array([[1 / fx, 0, 0], [0, 1 / fy, 0], [0, 0, 1]])
            interp = cv2.INTER_LINEAR
        border = cv2.BORDER_CONSTANT
        img = np.ascontiguousarray(img)
        crop = cv2.warpAffine(img, M, (CROP, CROP), flags=interp, borderMode=border,
                              borderValue=(PAD_VALUE,) * 3)
        crop = self.photometric(crop)
        out = CROP // DET_STRIDE
        hm, reg, wmap = gaussian_targets(q2, out, out)
        return crop, hm, reg, wmap

    def photometric(self, img: np.ndarray) -> np.ndarray:
        rng = self.rng
        x = img.astype(np.float32)
        if rng.random() < 0.8:
            a = rng.uniform(0.6, 1.4)
            b = rng.uniform(-40, 40)
            x = x * a + b
        if rng.random() < 0.3:
            x = x * rng.uniform(0.85, 1.15, 3).astype(np.float32)  # colour cast
        if rng.random() < 0.1:
            x = x.mean(2, keepdims=True).repeat(3, 2)
        if rng.random() < 0.15:
            x = 255 * (np.clip(x, 0, 255) / 255) ** rng.uniform(0.6, 1.6)  # gamma
        if rng.random() < 0.2:
            x = x + rng.normal(0, rng.uniform(2, 10), x.shape).astype(np.float32)
        img = np.clip(x, 0, 255).astype(np.uint8)
        r = rng.random()
        if r < 0.15:
            k = int(rng.choice([3, 5]))
            img = cv2.GaussianBlur(img, (k, k), 0)
        elif r < 0.25:
            k = int(rng.integers(3, 8))
            kern = np.zeros((k, k), np.float32)
            kern[k // 2, :] = 1.0 / k
            if rng.random() < 0.5:
                kern = kern.T
            img = cv2.filter2D(img, -1, kern)
        if rng.random() < 0.3:
            q = int(rng.integers(25, 90))
            ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
            if ok:
                img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
        return img

    def batch(self, n: int):
        xs, hms, regs, ws = [], [], [], []
        for _ in range(n):
            c, h, r, w = self.sample()
            xs.append(c)
            hms.append(h)
            regs.append(r)
            ws.append(w)
        x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float().div_(255)
        return (x, torch.from_numpy(np.stack(hms))[:, None], torch.from_numpy(np.stack(regs)),
                torch.from_numpy(np.stack(ws))[:, None])


# ----------------------------------------------------------------------------- loss

def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet penalty-reduced focal loss (alpha=2, beta=4), normalised by #peaks."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p ** 2 * (1 - target) ** 4 * neg
    n = pos.sum()
    return -(pos_loss.sum() + neg_loss.sum()) / n.clamp(min=1)


def corner_loss(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (F.l1_loss(pred, target, reduction="none") * w).sum() / (w.sum() * 8).clamp(min=1)


# ----------------------------------------------------------------------------- decode / eval

def decode(out: np.ndarray, threshold: float, max_det: int = 16, nms_iou: float = 0.4,
           nms_containment: float = 0.8):
    """out: 9×h×w (sigmoid heatmap + corners) -> list of (score, quad 4×2 in input pixels).

    Same rule as the C++ OnnxPlateDetector: 3×3 local maxima >= threshold, then greedy NMS
    dropping a box with IoU > nms_iou or containment > nms_containment (intersection over
    its own area) with a kept one.
    """
    hm = out[0]
    hmax = cv2.dilate(hm, np.ones((3, 3), np.uint8))
    ys, xs = np.nonzero((hm >= hmax) & (hm >= threshold))
    dets = []
    for y, x in zip(ys, xs):
        cx, cy = (x + 0.5) * DET_STRIDE, (y + 0.5) * DET_STRIDE
        q = out[1:, y, x].reshape(4, 2) * DET_CORNER_SCALE + np.array([cx, cy])
        dets.append((float(hm[y, x]), q))
    dets.sort(key=lambda d: -d[0])
    kept = []
    for d in dets:
        b = quad_box(d[1])
        if all(box_iou(b, quad_box(k[1])) <= nms_iou
               and containment(b, quad_box(k[1])) <= nms_containment for k in kept):
            kept.append(d)
        if len(kept) >= max_det:
            break
    return kept


def quad_box(q: np.ndarray) -> tuple[float, float, float, float]:
    return float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())


def containment(a, b) -> float:
    """Intersection over the smaller box's area (alpr/nms.hpp)."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return iw * ih / small if small > 0 else 0.0


def box_iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def match(dets, gts, iou_thr: float = 0.5) -> int:
    """Greedy matching by score; returns true positives."""
    used = [False] * len(gts)
    tp = 0
    gboxes = [quad_box(g) for g in gts]
    for _, q in dets:
        b = quad_box(q)
        best, bi = iou_thr, -1
        for j, gb in enumerate(gboxes):
            if not used[j]:
                v = box_iou(b, gb)
                if v >= best:
                    best, bi = v, j
        if bi >= 0:
            used[bi] = True
            tp += 1
    return tp


@torch.no_grad()
def run_full(model: nn.Module, img: np.ndarray) -> tuple[np.ndarray, float]:
    lb, s = letterbox(img)
    x = torch.from_numpy(lb).permute(2, 0, 1)[None].float().div_(255)
    hm, reg = model(x)
    out = torch.cat([torch.sigmoid(hm), reg], 1)[0].numpy()
    return out, s


@torch.no_grad()
def evaluate(model, val: list[dict], thresholds=(0.2, 0.3, 0.4, 0.5), infer=None) -> dict:
    """Recall / precision at IoU >= 0.5 (boxes = bounding boxes of the corners), 640 letterbox.

    `infer(img) -> (9×h×w output, letterbox scale)` replaces the torch model when given
    (export.py evaluates the exported model in OpenCV this way).
    """
    if infer is None:
        model.eval()

        def infer(img):
            return run_full(model, img)
    n_gt = 0
    stats = {t: [0, 0] for t in thresholds}  # tp, n_det
    per_source: dict[str, list[int]] = {}
    for g in val:
        img = cv2.imread(str(DATA_DIR / g["image"]), cv2.IMREAD_COLOR)
        out, s = infer(img)
        gts = [q * s for q in g["quads"]]
        n_gt += len(gts)
        for t in thresholds:
            dets = decode(out, t)
            tp = match(dets, gts)
            stats[t][0] += tp
            stats[t][1] += len(dets)
            if t == 0.3:
                ps = per_source.setdefault(g["source"], [0, 0, 0])
                ps[0] += tp
                ps[1] += len(dets)
                ps[2] += len(gts)
    res = {"n_images": len(val), "n_plates": n_gt}
    for t, (tp, nd) in stats.items():
        r = tp / max(1, n_gt)
        p = tp / max(1, nd)
        f1 = 2 * p * r / max(1e-9, p + r)
        res[f"t{t}"] = {"recall": round(r, 4), "precision": round(p, 4), "f1": round(f1, 4)}
    res["per_source_t0.3"] = {k: {"recall": round(v[0] / max(1, v[2]), 4),
                                  "precision": round(v[0] / max(1, v[1]), 4), "plates": v[2]}
                              for k, v in per_source.items()}
    res["best_f1"] = max(res[f"t{t}"]["f1"] for t in thresholds)
    if model is not None:
        model.train()
    return res


# ----------------------------------------------------------------------------- training

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--hours", type=float, default=1.0, help="total training time budget")
    ap.add_argument("--run", default="main", help="run name under training/detector/runs/")
    ap.add_argument("--resume", action="store_true", help="continue from runs/<run>/last.pt")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--eval-minutes", type=float, default=10.0)
    ap.add_argument("--max-iters", type=int, default=0, help="stop after this many iterations (smoke)")
    ap.add_argument("--val-limit", type=int, default=0, help="evaluate on the first N val images")
    ap.add_argument("--synth-p", type=float, default=0.3)
    ap.add_argument("--init", help="start from this checkpoint's weights (fine-tuning: new "
                    "optimiser and schedule), unless --resume finds runs/<run>/last.pt")
    ap.add_argument("--kind-weights", default="",
                    help="synthetic plate kind weights, e.g. us=3,eu=2,uz_private=1 "
                         "(default: the generator's own)")
    ap.add_argument("--big-roll-p", type=float, default=0.25,
                    help="fraction of samples rolled up to +-28 degrees (others: +-6 or none)")
    args = ap.parse_args()
    kind_weights = [(k, float(w)) for k, w in
                    (kv.split("=") for kv in args.kind_weights.split(",") if kv)]

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    torch.manual_seed(args.seed)
    run_dir = Path(__file__).resolve().parent / "runs" / args.run
    run_dir.mkdir(parents=True, exist_ok=True)
    log_f = open(run_dir / "train.log", "a", buffering=1)

    def log(msg: str) -> None:
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {msg}"
        print(line, flush=True)
        log_f.write(line + "\n")

    train, val = load_manifest()
    if args.val_limit:
        val = val[: args.val_limit]
    log(f"args {vars(args)}")
    log(f"train images {len(train)} plates {sum(len(g['quads']) for g in train)}; "
        f"val images {len(val)} plates {sum(len(g['quads']) for g in val)}")
    data = TrainData(train, args.seed, log, args.synth_p, kind_weights, args.big_roll_p)
    # channels_last: mkldnn's NHWC convolutions are several times faster on this CPU.
    model = PlateNet().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    state = {"iter": 0, "elapsed": 0.0, "best_f1": -1.0, "evals": []}
    last = run_dir / "last.pt"
    if args.resume and last.exists():
        ck = torch.load(last)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        data.rng.bit_generator.state = ck["np_rng"]
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed from {last} at iter {state['iter']} elapsed {state['elapsed']:.0f}s")
    elif args.init:
        model.load_state_dict(torch.load(args.init)["model"])
        log(f"initialised from {args.init}")
    elif args.resume:
        log("no checkpoint to resume; starting fresh")
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model params {n_params}")

    budget = args.hours * 3600
    warm = 300
    t_start = time.time() - state["elapsed"]
    last_ckpt = time.time()
    last_eval = time.time()
    avg = None

    def save(path: Path) -> None:
        state["elapsed"] = time.time() - t_start
        tmp = path.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state,
                    "np_rng": data.rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                    "args": vars(args)}, tmp)
        os.replace(tmp, path)

    def do_eval() -> None:
        t0 = time.time()
        res = evaluate(model, val)
        res["iter"] = state["iter"]
        res["elapsed_s"] = round(time.time() - t_start)
        state["evals"].append(res)
        log(f"eval {json.dumps(res)} ({time.time() - t0:.0f}s)")
        if res["best_f1"] > state["best_f1"]:
            state["best_f1"] = res["best_f1"]
            torch.save({"model": model.state_dict(), "state": dict(state), "eval": res},
                       run_dir / "best.pt")
            log(f"new best f1 {res['best_f1']:.4f} -> best.pt")

    model.train()
    while True:
        elapsed = time.time() - t_start
        if elapsed >= budget or (args.max_iters and state["iter"] >= args.max_iters):
            break
        frac = elapsed / budget
        lr = args.lr * min(1.0, (elapsed + 1) / warm) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
        for gp in opt.param_groups:
            gp["lr"] = lr
        x, hm_t, reg_t, w_t = data.batch(args.batch)
        x = x.contiguous(memory_format=torch.channels_last)
        hm_p, reg_p = model(x)
        lh = focal_loss(hm_p, hm_t)
        lr_ = corner_loss(reg_p, reg_t, w_t)
        loss = lh + 5.0 * lr_
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        state["iter"] += 1
        v = np.array([loss.item(), lh.item(), lr_.item()])
        avg = v if avg is None else 0.98 * avg + 0.02 * v
        if state["iter"] % 25 == 0 or state["iter"] <= 3:
            log(f"iter {state['iter']} loss {v[0]:.4f} hm {v[1]:.4f} corner {v[2]:.4f} "
                f"| ema {avg[0]:.4f} {avg[1]:.4f} {avg[2]:.4f} lr {lr:.2e} "
                f"elapsed {elapsed:.0f}s")
        if time.time() - last_eval >= args.eval_minutes * 60:
            do_eval()
            last_eval = time.time()
        if time.time() - last_ckpt >= args.ckpt_minutes * 60:
            save(last)
            last_ckpt = time.time()
            log(f"checkpoint {last} iter {state['iter']}")
    do_eval()
    save(last)
    log(f"done: iter {state['iter']} elapsed {time.time() - t_start:.0f}s best f1 {state['best_f1']:.4f}")


if __name__ == "__main__":
    main()
