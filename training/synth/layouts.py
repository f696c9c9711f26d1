"""Plate designs: one function per kind, drawing a flat plate in millimetres.

Each design returns a finished ``Painter`` and the plate text (A-Z0-9, top line first).
Sizes follow the real plates (Uzbek/EU 520 x 110 mm, US 12 x 6 in, Brazil 400 x 130 mm);
decorations (flags, country codes, state names, slogans, city names, stickers) are drawn
small, as on real plates, and are never part of the text.
"""

from __future__ import annotations

import numpy as np

from training.synth.painter import Painter, jitter, luminance, rgb

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"

BLACK = rgb(18, 18, 20)
WHITE = rgb(246, 246, 242)
EU_BLUE = rgb(0, 51, 153)
EU_YELLOW = rgb(255, 204, 0)


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _chars(rng: np.random.Generator, alphabet: str, n: int) -> str:
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), n))


def _pattern(rng: np.random.Generator, pattern: str) -> str:
    """Fills a pattern: L = letter, D = digit, A = either; other characters are kept."""
    out = []
    for p in pattern:
        if p == "L":
            out.append(_pick(rng, LETTERS))
        elif p == "D":
            out.append(_pick(rng, DIGITS))
        elif p == "A":
            out.append(_pick(rng, LETTERS + DIGITS))
        else:
            out.append(p)
    return "".join(out)


def _text_of(tokens: str) -> str:
    return "".join(t for t in tokens if t.isalnum())


def _scale(rng: np.random.Generator, w_mm: float, h_mm: float, px_per_mm: float | None) -> float:
    """Pixels per millimetre: as requested, or about 44k pixels of plate area."""
    if px_per_mm is not None:
        return px_per_mm
    return float(np.sqrt(44000.0 / (w_mm * h_mm)) * rng.uniform(0.9, 1.1))


def _main_font(rng: np.random.Generator, fe_bias: float = 0.6) -> tuple[str, float, int]:
    """(font, horizontal scale, stroke weight) for DIN/FE-style plate lettering."""
    if rng.random() < fe_bias:  # DIN 1451 / FE-Schrift stand-ins
        font, xs = _pick(rng, (("nimbus_narrow", rng.uniform(0.9, 1.12)), ("osp_din", rng.uniform(1.05, 1.3))))
    else:
        font, xs = _pick(rng, (("liberation_narrow", 0.95), ("dejavu_cond", 0.85), ("free_sans", 0.8),
                                ("nimbus_sans", 0.8), ("urw_gothic", 0.85), ("liberation_sans", 0.78),
                                ("roboto_cond", 0.9)))
        xs *= rng.uniform(0.9, 1.1)
    return font, xs, _pick(rng, (-2, -1, 0, 0, 0, 1, 2, 3))


def _emboss(rng: np.random.Generator, ink, p: float = 0.5):
    """An optional shadow for embossed characters: (colour, dx, dy, alpha) or None."""
    if rng.random() > p:
        return None
    shade = tuple(int(c * 0.4) for c in ink) if luminance(ink) > 100 else rgb(150, 150, 150)
    return shade, rng.uniform(-0.8, 0.8), rng.uniform(0.3, 1.5), rng.uniform(0.2, 0.5)


# ---- Uzbekistan ------------------------------------------------------------------------

def _uz_region(rng: np.random.Generator) -> str:
    u = rng.random()
    if u < 0.35:
        return "01"
    if u < 0.5:
        return "10"
    return f"{int(rng.integers(1, 100)):02d}"


def _uz_flag(p: Painter, x: float, y: float, w: float, h: float) -> None:
    """Uzbek flag: blue / white / green bands parted by thin red lines, crescent and stars."""
    unit = h / 31.2  # band heights 10 : 0.6 : 10 : 0.6 : 10
    p.rect(x, y, w, h, rgb(206, 17, 38))
    p.rect(x, y, w, 10 * unit, rgb(0, 153, 181))
    p.rect(x, y + 10.6 * unit, w, 10 * unit, WHITE)
    p.rect(x, y + 21.2 * unit, w, 10 * unit, rgb(30, 181, 58))
    r = 3.6 * unit
    p.circle(x + 0.2 * w, y + 5 * unit, r, WHITE)
    p.circle(x + 0.2 * w + 0.3 * r, y + 5 * unit, r * 0.85, rgb(0, 153, 181))
    for i in range(3):
        p.circle(x + 0.4 * w + i * 0.12 * w, y + 5 * unit, 0.9 * unit, WHITE)


def _uz_plate(rng, w_mm, h_mm, bg, ink, px_per_mm):
    p = Painter(w_mm, h_mm, _scale(rng, w_mm, h_mm, px_per_mm), bg, rng.uniform(3, 7))
    p.border(rng.uniform(0.5, 2.0), rng.uniform(1.5, 3.0), rng.uniform(3, 6), jitter(rng, ink, 10))
    return p


def _uz_colours(rng, scheme: str):
    if scheme == "white":
        return jitter(rng, WHITE, 10), jitter(rng, BLACK, 12)
    if scheme == "green":
        bg = jitter(rng, rgb(0, 125, 75), 20)
        return bg, (jitter(rng, WHITE, 8) if rng.random() < 0.7 else jitter(rng, BLACK, 10))
    return jitter(rng, rgb(250, 205, 20), 15), jitter(rng, BLACK, 12)  # yellow


def _uz_one_line(rng, px_per_mm, main: str, region: str | None, scheme: str = "white",
                 region_right: bool = False, flag: bool = True) -> tuple[Painter, str]:
    """The 520 x 110 mm Uzbek layout: [region | ] main [ | region] [flag + UZ]."""
    bg, ink = _uz_colours(rng, scheme)
    p = _uz_plate(rng, 520, 110, bg, ink, px_per_mm)
    font, xs, wt = _main_font(rng, 0.7)
    xs *= rng.uniform(0.8, 0.95)
    wt = min(wt, 2)
    emb = _emboss(rng, ink, 0.3)
    cap = rng.uniform(62, 76)
    top = 55 - cap / 2 + rng.uniform(-3, 3)
    field = rng.uniform(72, 90)
    left, right = 6.0, 514.0
    region_cap = cap * rng.uniform(0.7, 0.85)
    region_top = 55 - region_cap / 2 + rng.uniform(-4, 2)
    bar_w = rng.uniform(1.5, 3.0)
    text_kw = dict(weight=wt, xscale=xs, emboss=emb)
    if region is not None and not region_right:
        p.text(region, 6, region_top, field - 9, region_cap, font, ink, spacing=0.1, **text_kw)
        p.rect(field, 4, bar_w, 102, ink)
        left = field + bar_w + rng.uniform(3, 10)
    if flag:
        fw = rng.uniform(30, 38)
        fx = 514 - fw - rng.uniform(1, 4)
        fy = rng.uniform(14, 24)
        _uz_flag(p, fx, fy, fw, fw * 0.5)
        p.phrase("UZ", fx, fy + fw * 0.5 + rng.uniform(8, 16), fw, rng.uniform(14, 20),
                 _pick(rng, ("nimbus_narrow", "dejavu_cond")), ink)
        right = fx - rng.uniform(2, 8)
    if region is not None and region_right:
        field_r = 514 - field + 6
        p.rect(field_r - bar_w, 4, bar_w, 102, ink)
        p.text(region, field_r + 3, region_top, 514 - field_r - 6, region_cap, font, ink, spacing=0.1,
               record=False, **text_kw)
        right = field_r - bar_w - rng.uniform(3, 10)
    p.text(main, left, top, right - left, cap, font, ink, spacing=rng.uniform(0.06, 0.16),
           word_gap=rng.uniform(0.25, 0.5), cell=_pick(rng, (0.0, 0.6)), **text_kw)
    return p, (region if region and not region_right else "") + _text_of(main)


def uz_private(rng, px_per_mm=None):
    """Private car: ``01 A 123 BC``."""
    return _uz_one_line(rng, px_per_mm, _pattern(rng, "L DDD LL"), _uz_region(rng))


def uz_legal(rng, px_per_mm=None):
    """Legal entity: ``01 123 ABC`` (government ``DAV`` series now and then)."""
    letters = "DAV" if rng.random() < 0.05 else _chars(rng, LETTERS, 3)
    return _uz_one_line(rng, px_per_mm, _pattern(rng, "DDD ") + letters, _uz_region(rng))


def uz_series(rng, px_per_mm=None):
    """Temporary ``T123456`` (white, region on the right, no flag), diplomatic ``D001234``
    (green), foreign company ``01M012345`` (green), foreign citizen ``01H012345`` (yellow)."""
    u = rng.random()
    if u < 0.25:  # the region code drawn on the right is not part of the text
        return _uz_one_line(rng, px_per_mm, "T " + _pattern(rng, "DDDDDD"), _uz_region(rng),
                            region_right=True, flag=False)
    if u < 0.45:
        if rng.random() < 0.12:
            main = "CMD " + _pattern(rng, "DDD")
        else:
            main = _pick(rng, "DTX") + " " + _pattern(rng, "DDD DDD")
        return _uz_one_line(rng, px_per_mm, main, None, scheme="green")
    kind = "M" if u < 0.72 else "H"
    return _uz_one_line(rng, px_per_mm, kind + " " + _pattern(rng, "DDDDDD"), _uz_region(rng),
                        scheme="green" if kind == "M" else "yellow")


def uz_two_line(rng, px_per_mm=None):
    """Trailer (``01`` + 4 digits / 2 letters) or motorcycle (``01`` + 3 digits / 2 letters)
    on a two-line plate, flag and UZ at the bottom right; text reads region first."""
    trailer = rng.random() < 0.5
    w_mm, h_mm = (290, 170) if trailer else (240, 150)
    bg, ink = _uz_colours(rng, "white")
    p = _uz_plate(rng, w_mm, h_mm, bg, ink, px_per_mm)
    font, xs, wt = _main_font(rng, 0.65)
    emb = _emboss(rng, ink, 0.3)
    region = _uz_region(rng)
    digits = _chars(rng, DIGITS, 4 if trailer else 3)
    letters = _chars(rng, LETTERS, 2)
    cap = rng.uniform(0.33, 0.40) * h_mm
    gap = (h_mm - 2 * cap) / 3
    field = w_mm * rng.uniform(0.22, 0.27)
    p.text(region, 5, gap + cap * 0.1, field - 11, cap * 0.8, font, ink, weight=wt, xscale=xs, emboss=emb)
    p.rect(field, 4, 2.5, gap + cap + gap / 2, ink)
    p.text(digits, field + 8, gap, w_mm - field - 14, cap, font, ink, weight=wt, xscale=xs,
           spacing=0.12, emboss=emb)
    fw = w_mm * 0.16
    fx = w_mm - fw - 8
    fy = h_mm - gap - cap
    _uz_flag(p, fx, fy + 0.05 * cap, fw, fw * 0.5)
    p.phrase("UZ", fx, fy + 0.05 * cap + fw * 0.5 + 3, fw, cap * 0.28, "nimbus_narrow", ink)
    p.text(letters, 8, fy, fx - 14, cap, font, ink, weight=wt, xscale=xs, spacing=0.15, emboss=emb)
    return p, region + digits + letters


# ---- European Union --------------------------------------------------------------------

_EU_CODES = ("A", "B", "BG", "CY", "CZ", "D", "DK", "E", "EST", "F", "FIN", "GR", "H", "HR",
             "I", "IRL", "L", "LT", "LV", "M", "NL", "P", "PL", "RO", "S", "SK", "SLO")


def _star(r: float) -> np.ndarray:
    """A five-pointed star of outer radius ``r`` centred at 0 (10 x 2)."""
    a = np.arange(10) * np.pi / 5 - np.pi / 2
    rr = np.where(np.arange(10) % 2 == 0, r, r * 0.42)
    return np.stack([rr * np.cos(a), rr * np.sin(a)], axis=1)


_RING = np.stack([np.cos(np.arange(12) * np.pi / 6), np.sin(np.arange(12) * np.pi / 6)], axis=1)
_EU_STARS = _RING[:, None, :] + _star(0.24)[None]  # twelve stars on a unit circle, 12 x 10 x 2


def _eu_band(p: Painter, rng, x: float, y: float, w: float, h: float, code: str, r: float) -> None:
    """The blue EU band: a ring of twelve yellow stars above the white country code."""
    p.rect(x, y, w, h, jitter(rng, EU_BLUE, 15), r=r)
    ring_r = min(w * 0.3, h * 0.16)
    cx, cy = x + w / 2, y + min(h * 0.32, w * 0.95)
    p.polygon(list(_EU_STARS * ring_r + (cx, cy)), jitter(rng, EU_YELLOW, 10))
    ch = min(w * 0.5, h * 0.2) * (1.0 if len(code) < 3 else 0.8)
    p.phrase(code, x + 2, cy + ring_r + (h * 0.1 if h < 150 else h * 0.06), w - 4, ch, "nimbus_narrow",
             jitter(rng, WHITE, 8))


def _eu_tokens(rng, style: str) -> str:
    """Registration tokens for a country style; spaces and dashes are only separators."""
    if style == "D":
        city = _chars(rng, LETTERS, _pick(rng, (1, 1, 1, 2, 2, 2, 2, 3, 3, 3)))
        letters = _chars(rng, LETTERS, int(rng.integers(1, 3)))
        n = int(rng.integers(1, min(4, 8 - len(city) - len(letters)) + 1))
        return f"{city}*{letters} {_chars(rng, DIGITS, n)}"
    if style == "F":
        return _pattern(rng, "LL-DDD-LL")
    if style == "RO":
        if rng.random() < 0.3:
            return "B " + _pattern(rng, _pick(rng, ("DD", "DDD"))) + " " + _pattern(rng, "LLL")
        return _pattern(rng, "LL DD LLL")
    if style == "NL":
        side = _pick(rng, ("LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL",
                           "DD-LLL-D", "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "D-LL-DDD"))
        return _pattern(rng, side)
    if style == "I":
        return _pattern(rng, "LL DDDLL")
    if style == "PL":
        return _pattern(rng, _pick(rng, ("LL DDDDD", "LLL DDDD", "LL DDDLL", "LLL DDLL", "LL DDDDL", "LLL LDDD")))
    if style == "E":
        return _pattern(rng, "DDDD ") + _chars(rng, "BCDFGHJKLMNPRSTVWXYZ", 3)
    if style == "B":
        return _pattern(rng, "D-LLL-DDD")
    if style == "CZ":
        return _pattern(rng, "DLA DDDD")
    sizes = [int(rng.integers(2, 4))] + rng.integers(1, 4, int(rng.integers(1, 3))).tolist()
    groups = [_pattern(rng, _pick(rng, ("L", "D", "A")) * n) for n in sizes]
    return _pick(rng, (" ", "-", " ")).join(groups)


_EU_STYLES = ("D", "F", "RO", "NL", "I", "PL", "E", "B", "CZ", "generic")  # named by country code


def _eu_seals(p: Painter, rng, box, cap_top: float, cap: float) -> None:
    """German inspection sticker above the state seal, in the gap reserved by ``*``."""
    cx = (box[0] + box[2]) / 2 / p.s
    r = min(cap * 0.24, (box[2] - box[0]) / p.s * 0.45)
    c1, c2 = cap_top + cap * 0.26, cap_top + cap * 0.74
    p.circle(cx, c1, r, jitter(rng, _pick(rng, (rgb(230, 90, 160), rgb(60, 170, 80), rgb(240, 150, 40),
                                               rgb(70, 130, 210), rgb(235, 210, 60), rgb(150, 100, 60))), 20))
    p.line(cx - r * 0.7, c1, cx + r * 0.7, c1, rgb(30, 30, 30), r * 0.12)
    p.circle(cx, c2, r, jitter(rng, rgb(215, 215, 210), 15))
    p.circle(cx, c2, r * 0.5, jitter(rng, _pick(rng, (rgb(200, 40, 40), rgb(30, 90, 170), rgb(40, 130, 60))), 20))
    p.circle(cx, c2, r, rgb(90, 90, 90), thickness_mm=r * 0.1)


def _eu_colours(rng, style: str):
    if style == "NL":
        return jitter(rng, rgb(246, 190, 0), 12), jitter(rng, BLACK, 10)
    if style == "B":
        return jitter(rng, WHITE, 8), jitter(rng, rgb(150, 20, 35), 20)
    if style == "generic" and rng.random() < 0.2:
        return jitter(rng, rgb(245, 205, 30), 15), jitter(rng, BLACK, 10)
    return jitter(rng, WHITE, 10), jitter(rng, BLACK, 12)


def eu(rng, px_per_mm=None):
    """One-line EU plate (520 x 110 mm) in a German, French, Romanian, Dutch, Italian,
    Polish, Spanish, Belgian, Czech or generic layout."""
    style = _pick(rng, _EU_STYLES)
    code = style if style != "generic" else _pick(rng, _EU_CODES)
    tokens = _eu_tokens(rng, style)
    bg, ink = _eu_colours(rng, style)
    w_mm = 520.0 if style != "I" else rng.uniform(360, 520)
    p = Painter(w_mm, 110, _scale(rng, w_mm, 110, px_per_mm), bg, rng.uniform(3, 7))
    edge = rng.uniform(0.0, 1.5)
    bw = rng.uniform(38, 46)
    _eu_band(p, rng, edge + 1, edge + 1, bw, 110 - 2 * edge - 2, code, 4)
    p.border(edge, rng.uniform(1.0, 2.8), 5, jitter(rng, ink, 10))
    right = w_mm - 6
    if style in ("F", "I"):  # right band, decoration only
        rb = rng.uniform(36, 44)
        rx = w_mm - rb - edge - 1
        p.rect(rx, edge + 1, rb, 110 - 2 * edge - 2, jitter(rng, EU_BLUE, 15), r=4)
        if style == "F":  # region logo above the department number
            logo = _pick(rng, (rgb(230, 200, 60), rgb(200, 40, 40), rgb(250, 250, 250)))
            p.circle(rx + rb / 2, 35, rb * 0.3, jitter(rng, logo, 20))
            deco = f"{int(rng.integers(1, 96)):02d}"
        else:  # year above the province code
            p.text(f"{int(rng.integers(0, 100)):02d}", rx + 1, 20, rb - 2, 12, "nimbus_narrow", WHITE, record=False)
            deco = _chars(rng, LETTERS, 2)
        p.text(deco, rx + 1, 72, rb - 2, 20, "nimbus_narrow", jitter(rng, WHITE, 8), record=False)
        right = rx - 3
    font, xs, wt = _main_font(rng, 0.7 if style in ("D", "NL", "RO") else 0.4)
    cap = rng.uniform(62, 78)
    top = 55 - cap / 2 + rng.uniform(-3, 3)
    left = bw + edge + 4
    boxes = p.text(tokens, left, top, right - left, cap, font, ink, weight=wt, xscale=xs,
                   spacing=rng.uniform(0.06, 0.16), word_gap=rng.uniform(0.25, 0.55),
                   cell=_pick(rng, (0.0, 0.6)), emboss=_emboss(rng, ink, 0.35))
    for t, box in zip(tokens, boxes):
        if t == "*":
            _eu_seals(p, rng, box, top, cap)
    return p, _text_of(tokens)


def eu_two_line(rng, px_per_mm=None):
    """Square EU plate (280 x 200 or 340 x 200 mm): two lines, the band full height."""
    style = _pick(rng, ("D", "F", "RO", "PL", "CZ", "generic"))
    code = style if style != "generic" else _pick(rng, _EU_CODES)
    tokens = _eu_tokens(rng, style).replace("*", " ")
    parts = tokens.replace("-", " ").split()
    if len(parts) >= 2:
        cut = 1 if len(parts) == 2 else int(rng.integers(1, len(parts)))
        top_t, bottom_t = " ".join(parts[:cut]), " ".join(parts[cut:])
    else:
        half = len(parts[0]) // 2
        top_t, bottom_t = parts[0][:half], parts[0][half:]
    if style == "F" and rng.random() < 0.5:
        top_t = top_t.replace(" ", "-")
    w_mm = 280.0 if rng.random() < 0.6 else 340.0
    bg, ink = _eu_colours(rng, style)
    p = Painter(w_mm, 200, _scale(rng, w_mm, 200, px_per_mm), bg, rng.uniform(4, 9))
    edge = rng.uniform(0.0, 1.5)
    bw = rng.uniform(36, 46)
    _eu_band(p, rng, edge + 1, edge + 1, bw, 200 - 2 * edge - 2, code, 5)
    p.border(edge, rng.uniform(1.0, 2.8), 6, jitter(rng, ink, 10))
    font, xs, wt = _main_font(rng, 0.6)
    emb = _emboss(rng, ink, 0.35)
    cap = rng.uniform(66, 78)
    gap = (200 - 2 * cap) / 3
    left = bw + edge + 5
    kw = dict(weight=wt, xscale=xs, spacing=rng.uniform(0.08, 0.16), word_gap=0.4, emboss=emb)
    p.text(top_t, left, gap, w_mm - left - 6, cap, font, ink, **kw)
    p.text(bottom_t, left, 2 * gap + cap, w_mm - left - 6, cap, font, ink, **kw)
    return p, _text_of(top_t) + _text_of(bottom_t)


# ---- United States ---------------------------------------------------------------------

_STATES = ("ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT",
           "DELAWARE", "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "INDIANA", "IOWA", "KANSAS",
           "KENTUCKY", "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS", "MICHIGAN", "MINNESOTA",
           "MISSISSIPPI", "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA", "NEW HAMPSHIRE", "NEW JERSEY",
           "NEW MEXICO", "NEW YORK", "NORTH CAROLINA", "NORTH DAKOTA", "OHIO", "OKLAHOMA", "OREGON",
           "PENNSYLVANIA", "RHODE ISLAND", "SOUTH CAROLINA", "SOUTH DAKOTA", "TENNESSEE", "TEXAS", "UTAH",
           "VERMONT", "VIRGINIA", "WASHINGTON", "WEST VIRGINIA", "WISCONSIN", "WYOMING")
_SLOGANS = ("Land of Lincoln", "Empire State", "Sunshine State", "Great Lakes", "Live Free or Die",
            "The Lone Star State", "Grand Canyon State", "Famous Potatoes", "America's Dairyland",
            "First in Flight", "Garden State", "Keystone State", "Peach State", "Sportsman's Paradise",
            "Evergreen State", "Green Mountain State", "Ocean State", "Wild, Wonderful", "Big Sky Country",
            "Beautiful Beaches", "Centennial State", "The Natural State", "Heart of Dixie",
            "Explore Minnesota", "Pure Michigan", "Crossroads of America", "Discover the Spirit",
            "visit the state parks", "Treasure State", "Show Me State", "Birthplace of Aviation",
            "Land of Enchantment", "The Silver State", "Home of the Brave", "Tourism Since 1776",
            "Vacationland", "Sweet Home", "Blue Grass State", "Bicentennial", "DONATE LIFE",
            "IN GOD WE TRUST", "Wine Country", "Spirit of America", "Great Faces Great Places")
_DECOR_FONTS = ("urw_bookman", "c059_italic", "p052", "nimbus_sans", "urw_gothic", "dejavu_serif",
                "nimbus_sans_italic", "urw_bookman_italic", "liberation_sans", "nimbus_narrow")
_US_SCHEMES = (
    # (background top, background bottom, ink, state name colour)
    (rgb(250, 250, 248), rgb(240, 240, 236), rgb(20, 30, 110), rgb(180, 30, 40)),
    (rgb(250, 250, 248), rgb(235, 235, 230), rgb(15, 15, 15), rgb(20, 40, 130)),
    (rgb(245, 245, 240), rgb(190, 215, 240), rgb(20, 40, 120), rgb(20, 40, 120)),
    (rgb(255, 250, 230), rgb(245, 200, 110), rgb(120, 20, 30), rgb(120, 20, 30)),
    (rgb(250, 240, 160), rgb(250, 230, 120), rgb(20, 40, 110), rgb(20, 40, 110)),
    (rgb(245, 245, 245), rgb(205, 230, 205), rgb(10, 90, 40), rgb(10, 90, 40)),
    (rgb(250, 250, 250), rgb(250, 250, 250), rgb(170, 20, 30), rgb(20, 30, 110)),
    (rgb(210, 230, 250), rgb(250, 250, 250), rgb(30, 30, 80), rgb(200, 60, 40)),
    (rgb(250, 210, 180), rgb(250, 245, 230), rgb(40, 30, 90), rgb(150, 40, 30)),
    (rgb(25, 35, 80), rgb(25, 35, 80), rgb(250, 250, 250), rgb(240, 200, 60)),
    (rgb(20, 20, 20), rgb(35, 35, 35), rgb(245, 245, 245), rgb(240, 240, 240)),
    (rgb(110, 20, 30), rgb(90, 15, 25), rgb(250, 245, 235), rgb(250, 220, 150)),
)
_US_PATTERNS = ("LLL DDDD", "LLL-DDDD", "DLLL DDD", "LLL DDD", "DDD LLL", "LL DDDDD", "DLL DDDD",
                "DDD DDD", "LLLDDDD", "DLLLDDD", "LL DDD L", "DDDDLL", "LLL DDDL", "D LLLL D",
                "DDDLL", "LLL DD", "DD LLLL", "LDD LLL")


def _us_tokens(rng) -> str:
    if rng.random() < 0.12:  # vanity plate
        n = int(rng.integers(3, 8))
        return _chars(rng, LETTERS + LETTERS + DIGITS, n)
    tokens = _pattern(rng, _pick(rng, _US_PATTERNS))
    if rng.random() < 0.3:  # a state emblem instead of the space between the groups
        tokens = tokens.replace(" ", "*")
    return tokens


def _us_sticker(p: Painter, rng, x: float, y: float) -> None:
    """Registration sticker: a bright rectangle with small (non-plate) digits."""
    w, h = rng.uniform(24, 34), rng.uniform(18, 26)
    col = jitter(rng, _pick(rng, (rgb(230, 60, 60), rgb(60, 150, 230), rgb(250, 210, 40), rgb(60, 190, 90),
                                  rgb(240, 130, 40), rgb(245, 245, 245), rgb(200, 80, 200))), 20)
    p.rect(x, y, w, h, col, r=2)
    dark = BLACK if luminance(col) > 110 else WHITE
    p.text(f"{int(rng.integers(18, 30))}", x + 2, y + 3, w - 4, h * 0.55, "dejavu_cond", dark, record=False)


def us(rng, px_per_mm=None):
    """US plate (12 x 6 in): state name on top, slogan at the bottom, stickers, bolt slots."""
    top_c, bot_c, ink, state_c = (jitter(rng, c, 14) for c in _pick(rng, _US_SCHEMES))
    w_mm, h_mm = 305.0, 152.0
    p = Painter(w_mm, h_mm, _scale(rng, w_mm, h_mm, px_per_mm), top_c,
                rng.uniform(4, 10))
    p.vgradient(top_c, bot_c)
    if rng.random() < 0.4:  # pale scenery silhouette behind the characters
        xs_ = np.linspace(0, w_mm, 9)
        ys_ = h_mm * rng.uniform(0.55, 0.85, 9)
        hill = np.concatenate([np.stack([xs_, ys_], 1), [[w_mm, h_mm], [0, h_mm]]])
        tint = np.asarray(bot_c, np.float64) * 0.8 + np.asarray(jitter(rng, (128, 128, 128), 120)) * 0.2
        p.polygon(hill, tuple(int(v) for v in tint))
    if rng.random() < 0.6:
        p.border(rng.uniform(0.5, 2.5), rng.uniform(1.5, 4), 6, jitter(rng, state_c if rng.random() < 0.5 else ink, 15))
    state = _pick(rng, _STATES)
    sfont = _pick(rng, _DECOR_FONTS)
    sh = rng.uniform(14, 24)
    p.phrase(state if rng.random() < 0.8 else state.title(), 40, rng.uniform(7, 12), w_mm - 80, sh, sfont, state_c)
    if rng.random() < 0.8:
        slogan = _pick(rng, _SLOGANS)
        p.phrase(slogan, 30, h_mm - rng.uniform(20, 26), w_mm - 60, rng.uniform(9, 14),
                 _pick(rng, _DECOR_FONTS + ("z003",)), state_c if rng.random() < 0.5 else ink)
    for sx in (rng.uniform(60, 70), w_mm - rng.uniform(60, 70)):  # mounting slots
        p.rect(sx - 5, rng.uniform(10, 14), 10, 5, rgb(70, 70, 70), r=2.4)
    if rng.random() < 0.6:
        _us_sticker(p, rng, _pick(rng, (8.0, w_mm - 40)), _pick(rng, (8.0, h_mm - 34)))
    tokens = _us_tokens(rng)
    font, xs = _pick(rng, (("nimbus_narrow", 0.95), ("liberation_narrow", 0.9), ("dejavu_cond", 0.85),
                               ("nimbus_sans", 0.75), ("free_sans", 0.75), ("urw_gothic", 0.8),
                               ("nimbus_narrow", 1.1), ("liberation_mono", 0.7), ("roboto_cond", 0.95),
                               ("roboto_cond_med", 0.95), ("bebas", 1.15), ("osp_din", 1.15),
                               ("nimbus_narrow_reg", 1.0), ("nimbus_sans_reg", 0.75)))
    # Embossed US lettering is mostly of medium weight (thinner than Europe's DIN plates).
    wt = _pick(rng, (-2, -1, -1, 0, 0, 1, 2))
    cap = rng.uniform(58, 74)
    top = 78 - cap / 2 + rng.uniform(-3, 4)
    boxes = p.text(tokens, 12, top, w_mm - 24, cap, font, ink, weight=wt, xscale=xs * rng.uniform(0.9, 1.1),
                   spacing=rng.uniform(0.05, 0.15), word_gap=rng.uniform(0.25, 0.6), emboss=_emboss(rng, ink, 0.6))
    for t, box in zip(tokens, boxes):  # state emblem between the groups
        if t == "*":
            cx, cy = (box[0] + box[2]) / 2 / p.s, top + cap / 2
            r = min(cap * 0.22, (box[2] - box[0]) / p.s * 0.4)
            p.circle(cx, cy, r, jitter(rng, state_c, 30))
    return p, _text_of(tokens)


# ---- Brazil ----------------------------------------------------------------------------

_BR_CITIES = ("SP - SAO PAULO", "RJ - RIO DE JANEIRO", "MG - BELO HORIZONTE", "PR - CURITIBA",
              "RS - PORTO ALEGRE", "SC - FLORIANOPOLIS", "BA - SALVADOR", "DF - BRASILIA", "GO - GOIANIA",
              "PE - RECIFE", "CE - FORTALEZA", "SP - CAMPINAS", "SP - SANTOS", "MG - UBERLANDIA",
              "PR - LONDRINA", "SP - GUARULHOS", "RJ - NITEROI", "ES - VITORIA", "AM - MANAUS", "PA - BELEM",
              "MT - CUIABA", "MS - CAMPO GRANDE", "SC - JOINVILLE", "SP - SOROCABA", "PB - JOAO PESSOA")


def br_old(rng, px_per_mm=None):
    """Pre-2018 Brazilian plate (400 x 130 mm): ``ABC-1234`` under a city name; grey
    (private) or red (commercial)."""
    u = rng.random()
    if u < 0.7:
        bg, ink = jitter(rng, rgb(188, 188, 184), 18), jitter(rng, BLACK, 12)
    elif u < 0.93:
        bg, ink = jitter(rng, rgb(175, 30, 35), 20), jitter(rng, WHITE, 10)
    else:
        bg, ink = jitter(rng, WHITE, 10), jitter(rng, BLACK, 12)
    p = Painter(400, 130, _scale(rng, 400, 130, px_per_mm), bg, rng.uniform(3, 8))
    p.border(rng.uniform(0.5, 2.0), rng.uniform(1.5, 3.5), 6, jitter(rng, ink, 20))
    p.phrase(_pick(rng, _BR_CITIES), 60, rng.uniform(8, 12), 280, rng.uniform(11, 15),
             _pick(rng, ("nimbus_narrow", "dejavu_cond", "liberation_narrow")), ink)
    for rx in (rng.uniform(14, 22), 400 - rng.uniform(14, 22)):  # rivets
        p.circle(rx, 15, 4, jitter(rng, rgb(120, 120, 120), 30))
    font, xs, wt = _main_font(rng, 0.7)
    cap = rng.uniform(60, 70)
    sep = _pick(rng, ("-", ".", " "))
    tokens = _chars(rng, LETTERS, 3) + sep + _chars(rng, DIGITS, 4)
    top = 80 - cap / 2 + rng.uniform(-3, 3)
    p.text(tokens, 10, top, 380, cap, font, ink, weight=wt, xscale=xs * rng.uniform(1.0, 1.15),
           spacing=rng.uniform(0.06, 0.14), word_gap=0.3, emboss=_emboss(rng, ink, 0.6))
    return p, _text_of(tokens)


def _br_flag(p: Painter, x: float, y: float, w: float, h: float) -> None:
    p.rect(x, y, w, h, rgb(0, 151, 57))
    p.polygon(np.array([[x + w * 0.08, y + h / 2], [x + w / 2, y + h * 0.1], [x + w * 0.92, y + h / 2],
                        [x + w / 2, y + h * 0.9]]), rgb(254, 221, 0))
    p.circle(x + w / 2, y + h / 2, h * 0.24, rgb(1, 33, 105))


def br_mercosur(rng, px_per_mm=None):
    """Mercosur plate (400 x 130 mm) since 2018: ``ABC1D23`` under a blue ``BRASIL`` band."""
    ink = jitter(rng, _pick(rng, (BLACK,) * 8 + (rgb(190, 25, 30), rgb(20, 110, 50), rgb(20, 60, 150),
                                               rgb(150, 120, 40))), 12)
    p = Painter(400, 130, _scale(rng, 400, 130, px_per_mm), jitter(rng, WHITE, 8), rng.uniform(3, 8))
    edge = rng.uniform(0.5, 1.5)
    band_h = rng.uniform(26, 32)
    p.rect(edge + 1, edge + 1, 398 - 2 * edge, band_h, jitter(rng, EU_BLUE, 15), r=4)
    p.border(edge, rng.uniform(1.2, 2.5), 6, jitter(rng, BLACK, 12))
    p.phrase("BRASIL", 120, edge + 1 + band_h * 0.25, 160, band_h * 0.5, _pick(rng, ("nimbus_sans", "dejavu_sans")),
             jitter(rng, WHITE, 6))
    _br_flag(p, 400 - 42, edge + 1 + band_h * 0.2, 28, band_h * 0.6)
    p.polygon(list(_EU_STARS[::3] * 7 + (16, edge + 1 + band_h / 2)), jitter(rng, WHITE, 6))
    qr = (rng.random((9, 9)) < 0.5).astype(np.uint8) * 255
    qs = 1.4
    for (r, c) in zip(*np.nonzero(qr)):
        p.rect(9 + c * qs, band_h + 8 + r * qs, qs, qs, rgb(40, 40, 40))
    p.phrase("BR", 8, band_h + 24, 16, 9, "nimbus_sans", rgb(30, 30, 30))
    font, xs, wt = _main_font(rng, 0.75)
    tokens = _pattern(rng, "LLLDLDD")
    cap = rng.uniform(60, 70)
    avail_top = band_h + edge + 2
    top = avail_top + (130 - avail_top - cap) / 2 + rng.uniform(-2, 2)
    p.text(tokens, 30, top, 360, cap, font, ink, weight=wt, xscale=xs * rng.uniform(1.0, 1.15),
           spacing=rng.uniform(0.08, 0.18), cell=_pick(rng, (0.0, 0.62)), emboss=_emboss(rng, ink, 0.2))
    return p, tokens


DESIGNS = {
    "uz_private": (uz_private, 0.24),
    "uz_legal": (uz_legal, 0.12),
    "uz_series": (uz_series, 0.07),
    "uz_two_line": (uz_two_line, 0.05),
    "eu": (eu, 0.17),
    "eu_two_line": (eu_two_line, 0.04),
    "us": (us, 0.16),
    "br_old": (br_old, 0.07),
    "br_mercosur": (br_mercosur, 0.08),
}
