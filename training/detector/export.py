#!/usr/bin/python3
"""Exports the plate detector checkpoint to ONNX for the C++ OnnxPlateDetector.

Writes models/plate_detector.onnx (opset 11, Identity nodes stripped so OpenCV 4.6 loads
it) and its sidecar models/plate_detector.json (input size, stride, corner scale,
normalisation, output layout, and the heatmap score threshold the C++ pipeline uses,
carried over from an existing sidecar at the output path because it is chosen end to end
on the validation scenes with the C++ reader after export), checks OpenCV DNN against torch on the same input
(max abs diff < 1e-4) and times one OpenCV forward on one thread.

Output: one tensor `out` of shape [1, 9, DET_SIZE/DET_STRIDE, DET_SIZE/DET_STRIDE]:
channel 0 = plate-centre heatmap (sigmoid applied in the graph, in [0, 1]); channels 1..8 =
corners TL, TR, BR, BL as (x, y) pairs, each (corner - cell centre) / DET_CORNER_SCALE, in
input pixels, where cell (i, j)'s centre is ((j + 0.5) * stride, (i + 0.5) * stride).

Usage: /usr/bin/python3 -m training.detector.export [--ckpt training/detector/runs/main/best.pt]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from training.constants import DET_CORNER_SCALE, DET_SIZE, DET_STRIDE  # noqa: E402
from training.detector.train import (PAD_VALUE, ExportNet, PlateNet, evaluate,  # noqa: E402
                                     letterbox, load_manifest)
from training.onnx_util import strip_identity  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ckpt", default=str(REPO / "training/detector/runs/main/best.pt"))
    ap.add_argument("--out", default=str(REPO / "models/plate_detector.onnx"))
    ap.add_argument("--image", default="", help="optional real image for the OpenCV check")
    ap.add_argument("--val", action="store_true",
                    help="also evaluate the exported model in OpenCV on the validation split")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)

    ckpt = Path(args.ckpt).resolve()
    ck = torch.load(ckpt, map_location="cpu")
    net = PlateNet()
    net.load_state_dict(ck["model"])
    model = ExportNet(net).eval()
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 3, DET_SIZE, DET_SIZE)
    torch.onnx.export(model, dummy, str(out_path), opset_version=11, input_names=["input"],
                      output_names=["out"], do_constant_folding=True)
    removed = strip_identity(str(out_path))

    # Check OpenCV against torch on the same input (a real image when given, else noise
    # over a letterboxed gradient) and time it on one thread.
    if args.image:
        lb, _ = letterbox(cv2.imread(args.image, cv2.IMREAD_COLOR))
    else:
        rng = np.random.default_rng(0)
        lb = rng.integers(0, 256, (DET_SIZE, DET_SIZE, 3), dtype=np.uint8)
    x = torch.from_numpy(lb).permute(2, 0, 1)[None].float() / 255.0
    with torch.no_grad():
        ref = model(x).numpy()
    cvnet = cv2.dnn.readNetFromONNX(str(out_path))
    blob = cv2.dnn.blobFromImage(lb, 1.0 / 255.0, (DET_SIZE, DET_SIZE), (0, 0, 0), swapRB=False,
                                 crop=False)
    cvnet.setInput(blob)
    got = cvnet.forward()
    diff = float(np.abs(got - ref).max())
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        cvnet.setInput(blob)
        cvnet.forward()
        times.append((time.perf_counter() - t0) * 1000)
    grid = DET_SIZE // DET_STRIDE
    assert got.shape == (1, 9, grid, grid), got.shape
    if diff >= 1e-4:
        raise SystemExit(f"OpenCV output differs from torch: max abs diff {diff}")

    meta = {
        "model": out_path.name,
        "method": "CenterNet-style centre heatmap + 4-corner regression (Zhou et al. 2019, "
                  "'Objects as Points')",
        "input": {"name": "input", "width": DET_SIZE, "height": DET_SIZE, "channels": 3,
                  "layout": "NCHW", "color": "BGR", "scale": 1.0 / 255.0, "mean": [0, 0, 0],
                  # Fully convolutional down to stride 32 (PlateNet.c32): any input whose
                  # width and height are multiples of 32 runs; width/height above are the
                  # training size.
                  "size_multiple": 32,
                  "letterbox": {"anchor": "top-left",
                                "scale": "input_size / max(frame_width, frame_height)",
                                "pad_value": PAD_VALUE}},
        "output": {"name": "out", "shape": [1, 9, grid, grid], "stride": DET_STRIDE,
                   "heatmap_channel": 0, "heatmap_activation": "sigmoid (in graph)",
                   "corner_channels": [1, 9], "corner_order": ["TL", "TR", "BR", "BL"],
                   "corner_scale": DET_CORNER_SCALE,
                   "corner_decoding": "corner_k = ((j + 0.5) * stride + out[1 + 2k] * "
                                      "corner_scale, (i + 0.5) * stride + out[2 + 2k] * "
                                      "corner_scale), input pixels"},
        "checkpoint": {"path": str(ckpt.relative_to(REPO)) if ckpt.is_relative_to(REPO)
                       else str(ckpt),
                       "iter": ck.get("state", {}).get("iter"),
                       "val": ck.get("eval")},
        "opencv_check": {"max_abs_diff": diff, "forward_ms_1thread": round(min(times), 1)},
    }
    meta_path = out_path.with_suffix(".json")
    previous = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta["score_threshold"] = previous.get("score_threshold", 0.4)
    source = previous.get("score_threshold_source",
                          "default: not yet chosen on validation scenes for this model")
    if previous and previous.get("checkpoint") != meta["checkpoint"]:
        source = (f"carried over from the sidecar of checkpoint "
                  f"{previous.get('checkpoint', {}).get('path')} (iteration "
                  f"{previous.get('checkpoint', {}).get('iter')}), not re-validated for this "
                  f"model; that model's: {source}")
    meta["score_threshold_source"] = source
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    size_mb = out_path.stat().st_size / 1e6
    print(f"wrote {out_path} ({size_mb:.2f} MB, {removed} Identity nodes removed) and {meta_path}")
    if args.val:
        _, val = load_manifest()

        def infer(img):
            lbi, s = letterbox(img)
            cvnet.setInput(cv2.dnn.blobFromImage(lbi, 1.0 / 255.0, (DET_SIZE, DET_SIZE),
                                                 (0, 0, 0), swapRB=False, crop=False))
            return cvnet.forward()[0], s

        res = evaluate(None, val, infer=infer)
        meta["val_opencv"] = res
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        print("validation (OpenCV, 640 letterbox, IoU >= 0.5):", json.dumps(res, indent=1))
    print(f"OpenCV vs torch max abs diff {diff:.2e}; OpenCV forward {min(times):.1f} ms "
          f"(min of 5, 1 thread; all {[round(t, 1) for t in times]})")


if __name__ == "__main__":
    main()
