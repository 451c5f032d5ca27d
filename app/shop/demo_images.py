"""Product pictures for the demo shop, drawn with Pillow when the shop is seeded.

No download and no font: a soft two-colour gradient, a scatter of pale dots, a shadow and
one motif per kind of product (fruit, cup, bowl, lamp, bag, gadget), in colours taken from
the product's own name, so that every product looks different while a category's pictures
share their shape and hue. Drawn at twice the size and scaled down, which smooths the edges
the way anti-aliasing would.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = 640
_SCALE = 2
_C = SIZE * _SCALE  # the canvas drawn on
Colour = tuple[int, int, int]


def _rgb(hue: float, lightness: float, saturation: float) -> Colour:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


class _Palette:
    """A product's colours around ``hue``, varied a little by its own key."""

    def __init__(self, hue: float, key: str):
        digest = hashlib.sha256(key.encode()).digest()
        self.rng = random.Random(digest)
        hue = hue + (digest[0] / 255 - 0.5) * 0.06
        self.top = _rgb(hue - 0.04, 0.93, 0.55)
        self.bottom = _rgb(hue + 0.04, 0.80, 0.50)
        self.dots = _rgb(hue, 0.97, 0.6)
        self.main = _rgb(hue + (digest[1] / 255 - 0.5) * 0.1, 0.42 + digest[2] / 255 * 0.14,
                         0.55 + digest[3] / 255 * 0.3)
        self.dark = _rgb(hue, 0.26, 0.45)
        self.light = _rgb(hue + 0.5, 0.88, 0.7)  # a complementary accent
        self.accent = _rgb(hue + 0.33 * (1 if digest[4] % 2 else -1), 0.55, 0.65)


def _darker(colour: Colour, by: int) -> Colour:
    return tuple(max(part - by, 0) for part in colour)


def _background(palette: _Palette) -> Image.Image:
    """The gradient with one of three patterns (dots, stripes, rings) and a floor shadow."""
    # One column of the gradient, stretched sideways: far cheaper than blending two images.
    column = Image.new("RGB", (1, _C))
    column.putdata([tuple(round(a + (b - a) * y / (_C - 1)) for a, b in
                          zip(palette.top, palette.bottom)) for y in range(_C)])
    canvas = column.resize((_C, _C), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)
    rng = palette.rng
    pattern = rng.choice(("dots", "stripes", "rings"))
    if pattern == "stripes":
        gap = rng.uniform(0.07, 0.12) * _C
        for i in range(-12, 14):
            x = i * gap
            draw.line((x, 0, x + _C, _C), fill=palette.dots, width=round(gap * 0.3))
    else:
        for _ in range(rng.randint(18, 34)):
            x, y, r = rng.uniform(0, _C), rng.uniform(0, _C), rng.uniform(8, 46)
            if pattern == "dots":
                draw.ellipse((x - r, y - r, x + r, y + r), fill=palette.dots)
            else:
                draw.ellipse((x - r, y - r, x + r, y + r), outline=palette.dots,
                             width=round(r / 4) + 2)
    draw.ellipse((_C * 0.22, _C * 0.80, _C * 0.78, _C * 0.88),
                 fill=_darker(palette.bottom, 36))
    return canvas


def _fruit(draw: ImageDraw.ImageDraw, p: _Palette) -> None:
    c = _C
    draw.ellipse((c * 0.24, c * 0.30, c * 0.76, c * 0.84), fill=p.main)
    draw.ellipse((c * 0.33, c * 0.38, c * 0.45, c * 0.52), fill=p.light)  # the shine
    draw.line((c * 0.50, c * 0.33, c * 0.53, c * 0.20), fill=p.dark, width=round(c * 0.025))
    draw.chord((c * 0.52, c * 0.14, c * 0.74, c * 0.30), 150, 330, fill=p.accent)


def _cup(draw: ImageDraw.ImageDraw, p: _Palette) -> None:
    c = _C
    draw.rounded_rectangle((c * 0.26, c * 0.40, c * 0.66, c * 0.84), radius=c * 0.07,
                           fill=p.main)
    draw.arc((c * 0.58, c * 0.50, c * 0.80, c * 0.72), 270, 90, fill=p.main,
             width=round(c * 0.035))
    draw.rectangle((c * 0.26, c * 0.50, c * 0.66, c * 0.56), fill=p.light)  # a band
    for x in (0.36, 0.46, 0.56):  # steam
        draw.arc((c * (x - 0.03), c * 0.20, c * (x + 0.03), c * 0.30), 90, 270, fill=p.dark,
                 width=round(c * 0.012))
        draw.arc((c * (x - 0.03), c * 0.28, c * (x + 0.03), c * 0.36), 270, 90, fill=p.dark,
                 width=round(c * 0.012))


def _bowl(draw: ImageDraw.ImageDraw, p: _Palette) -> None:
    c = _C
    draw.line((c * 0.30, c * 0.16, c * 0.62, c * 0.54), fill=p.dark, width=round(c * 0.022))
    draw.line((c * 0.38, c * 0.13, c * 0.66, c * 0.52), fill=p.dark, width=round(c * 0.022))
    draw.chord((c * 0.18, c * 0.30, c * 0.82, c * 0.86), 0, 180, fill=p.main)
    draw.ellipse((c * 0.18, c * 0.52, c * 0.82, c * 0.64), fill=p.light)
    draw.rounded_rectangle((c * 0.40, c * 0.80, c * 0.60, c * 0.85), radius=c * 0.02,
                           fill=p.dark)
    draw.arc((c * 0.26, c * 0.60, c * 0.74, c * 0.80), 20, 160, fill=p.accent,
             width=round(c * 0.018))


def _lamp(draw: ImageDraw.ImageDraw, p: _Palette) -> None:
    c = _C
    draw.ellipse((c * 0.22, c * 0.30, c * 0.78, c * 0.60), fill=p.light)  # the glow
    draw.polygon([(c * 0.36, c * 0.16), (c * 0.64, c * 0.16), (c * 0.74, c * 0.44),
                  (c * 0.26, c * 0.44)], fill=p.main)
    draw.rectangle((c * 0.485, c * 0.44, c * 0.515, c * 0.80), fill=p.dark)
    draw.rounded_rectangle((c * 0.34, c * 0.78, c * 0.66, c * 0.85), radius=c * 0.03,
                           fill=p.dark)
    draw.line((c * 0.36, c * 0.30, c * 0.64, c * 0.30), fill=p.accent, width=round(c * 0.012))


def _bag(draw: ImageDraw.ImageDraw, p: _Palette) -> None:
    c = _C
    draw.arc((c * 0.34, c * 0.14, c * 0.66, c * 0.52), 180, 360, fill=p.dark,
             width=round(c * 0.03))
    draw.polygon([(c * 0.24, c * 0.34), (c * 0.76, c * 0.34), (c * 0.80, c * 0.84),
                  (c * 0.20, c * 0.84)], fill=p.main)
    draw.rectangle((c * 0.22, c * 0.54, c * 0.78, c * 0.62), fill=p.light)
    draw.ellipse((c * 0.46, c * 0.42, c * 0.54, c * 0.50), fill=p.accent)


def _gadget(draw: ImageDraw.ImageDraw, p: _Palette) -> None:
    c = _C
    draw.arc((c * 0.22, c * 0.14, c * 0.78, c * 0.70), 180, 360, fill=p.dark,
             width=round(c * 0.04))
    draw.rounded_rectangle((c * 0.17, c * 0.40, c * 0.33, c * 0.66), radius=c * 0.05,
                           fill=p.main)
    draw.rounded_rectangle((c * 0.67, c * 0.40, c * 0.83, c * 0.66), radius=c * 0.05,
                           fill=p.main)
    draw.rounded_rectangle((c * 0.38, c * 0.50, c * 0.62, c * 0.86), radius=c * 0.04,
                           fill=p.dark)
    draw.rounded_rectangle((c * 0.40, c * 0.53, c * 0.60, c * 0.80), radius=c * 0.02,
                           fill=p.light)
    draw.ellipse((c * 0.47, c * 0.815, c * 0.53, c * 0.845), fill=p.accent)


MOTIFS: dict[str, Callable[[ImageDraw.ImageDraw, _Palette], None]] = {
    "fruit": _fruit, "cup": _cup, "bowl": _bowl, "lamp": _lamp, "bag": _bag,
    "gadget": _gadget,
}


def draw_product_image(motif: str, hue: float, key: str) -> bytes:
    """A ``SIZE``-pixel square PNG of ``motif`` (a name in ``MOTIFS``) around ``hue``
    (0–1), varied by ``key`` (the product's name): the same arguments give the same bytes."""
    palette = _Palette(hue, key)
    canvas = _background(palette)
    MOTIFS[motif](ImageDraw.Draw(canvas), palette)
    out = io.BytesIO()
    # Each output pixel the mean of four drawn ones: the smoothing, and cheap.
    canvas.reduce(_SCALE).save(out, format="PNG", compress_level=1)
    return out.getvalue()
