"""Constants shared by the training scripts and the C++ reader.

The single source of truth: each exported model gets a sidecar JSON (models/*.json) written
from these values by its export step, and the C++ stages read that JSON at load time, so the
input size, normalisation and alphabet can never drift between Python and C++.
"""

# Recogniser (CTC): characters, in class order; class 0 is the CTC blank.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Recogniser input: grey, height x width in pixels (the rectified plate).
REC_HEIGHT = 64
REC_WIDTH = 192
# Margin added around the plate quad on every side before warping, as a fraction of the
# plate size (the C++ PerspectiveRectifier's `margin`).
REC_MARGIN = 0.06

# Detector: input is the frame letterboxed to DET_SIZE x DET_SIZE (BGR, /255), and the
# output grid has one cell per DET_STRIDE pixels.
DET_SIZE = 640
DET_STRIDE = 4
# Corner offsets are predicted relative to the cell centre, divided by this (pixels).
DET_CORNER_SCALE = 64.0
