"""The plate recogniser: a convolution-only CTC network that reads one- and two-line plates.

Input: grey plate crop 1 x REC_HEIGHT x REC_WIDTH (64 x 192), pixel / 255.
Output: logits [N, C, 2, W/4] with C = len(ALPHABET) + 1 (class 0 = CTC blank). Row 0 reads a
one-line plate or the top line of a two-line plate; row 1 reads the bottom line (blank for
one-line plates). The CTC sequence is row 0 followed by row 1 (2 * W/4 = 96 steps).

CTC: Graves et al., "Connectionist Temporal Classification", ICML 2006. No recurrent layers,
so OpenCV 4.6's DNN module runs the exported ONNX graph.
"""
import torch
from torch import nn

from training.constants import ALPHABET, REC_HEIGHT


def conv_bn(cin, cout, k=3, s=1, p=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class PlateRecognizer(nn.Module):
    def __init__(self, width=1.0):
        super().__init__()
        c = [int(x * width) for x in (32, 64, 96, 128)]
        self.body = nn.Sequential(
            conv_bn(1, c[0], s=2),                                 # 32 x 96
            conv_bn(c[0], c[1], s=2),                              # 16 x 48
            conv_bn(c[1], c[1]),
            conv_bn(c[1], c[2], s=(2, 1)),                         # 8 x 48
            conv_bn(c[2], c[2]),
            conv_bn(c[2], c[3], k=(3, 5), p=(1, 2)),
        )
        rows = REC_HEIGHT // 8
        # Each output row sees the whole plate height: it must know whether the plate has one
        # line or two.
        self.top = conv_bn(c[3], c[3], k=(rows, 1), p=0)
        self.bottom = conv_bn(c[3], c[3], k=(rows, 1), p=0)
        self.context = conv_bn(c[3], c[3], k=(1, 5), p=(0, 2))
        self.classify = nn.Conv2d(c[3], len(ALPHABET) + 1, 1)

    def forward(self, x):
        f = self.body(x)
        f = torch.cat([self.top(f), self.bottom(f)], dim=2)       # N x C x 2 x W/4
        return self.classify(self.context(f))


def to_sequence(logits):
    """[N, C, 2, W] logits -> [T=2W, N, C] log-probabilities for CTC, row 0 then row 1."""
    n, c, h, w = logits.shape
    seq = logits.permute(2, 3, 0, 1).reshape(h * w, n, c)
    return seq.log_softmax(2)


def greedy_decode(logits):
    """Best-path CTC decoding of [N, C, 2, W] logits into strings."""
    ids = to_sequence(logits).argmax(2).transpose(0, 1).tolist()
    out = []
    for seq in ids:
        text, prev = [], 0
        for k in seq:
            if k != prev and k != 0:
                text.append(ALPHABET[k - 1])
            prev = k
        out.append("".join(text))
    return out
