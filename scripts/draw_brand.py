#!/usr/bin/env python3
"""Draw qbitrr's brand images into custom_components/qbitrr/brand/.

The icon is a rounded square with a teal-to-blue gradient, a download arrow, and under it three
linked nodes (several qBittorrent servers) in place of a download tray. The logo is the icon
followed by the word "qbitrr". Everything is drawn at 4x and scaled down, for smooth edges.

    .venv/bin/python scripts/draw_brand.py [--preview]

`--preview` also writes the logo on a light and a dark background into .cache/brand-preview/,
to check that the word reads on both themes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
BRAND = ROOT / "custom_components" / "qbitrr" / "brand"
PREVIEW = ROOT / ".cache" / "brand-preview"

SUPERSAMPLE = 4
TEAL = (13, 170, 160)
BLUE = (37, 99, 235)
WHITE = (255, 255, 255, 255)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
)


def _gradient(width: int, height: int) -> Image.Image:
    """A diagonal gradient: teal at the top left, blue at the bottom right."""
    across = Image.linear_gradient("L").rotate(90)  # black at the left, white at the right
    down = Image.linear_gradient("L")  # black at the top, white at the bottom
    ramp = Image.blend(across, down, 0.5).resize((width, height), Image.Resampling.BICUBIC)
    teal = Image.new("RGBA", (width, height), (*TEAL, 255))
    blue = Image.new("RGBA", (width, height), (*BLUE, 255))
    return Image.composite(blue, teal, ramp)


def _icon(size: int) -> Image.Image:
    """The square icon, `size` pixels wide, on a transparent background."""
    big = size * SUPERSAMPLE

    def px(fraction: float) -> int:
        return round(fraction * big)

    # Rounded square filled with the gradient.
    mask = Image.new("L", (big, big), 0)
    margin = px(0.03)
    ImageDraw.Draw(mask).rounded_rectangle(
        (margin, margin, big - margin, big - margin), radius=px(0.22), fill=255
    )
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(_gradient(big, big), (0, 0), mask)

    draw = ImageDraw.Draw(icon)
    # Download arrow: shaft and head.
    shaft = 0.13
    draw.rounded_rectangle(
        (px(0.5 - shaft / 2), px(0.15), px(0.5 + shaft / 2), px(0.50)),
        radius=px(shaft / 2),
        fill=WHITE,
    )
    draw.polygon([(px(0.27), px(0.42)), (px(0.73), px(0.42)), (px(0.5), px(0.65))], fill=WHITE)

    # Three linked nodes, the "tray" the arrow downloads into.
    nodes = [(0.22, 0.80), (0.5, 0.80), (0.78, 0.80)]
    radius = 0.085
    ring = 0.035
    draw.line([(px(x), px(y)) for x, y in nodes], fill=WHITE, width=px(0.05))
    for index, (x, y) in enumerate(nodes):
        box = (px(x - radius), px(y - radius), px(x + radius), px(y + radius))
        draw.ellipse(box, fill=WHITE)
        if index != 1:  # the outer servers are rings, the one receiving the download is solid
            inner = radius - ring
            hole = Image.new("L", (big, big), 0)
            ImageDraw.Draw(hole).ellipse(
                (px(x - inner), px(y - inner), px(x + inner), px(y + inner)), fill=255
            )
            icon.paste(_gradient(big, big), (0, 0), hole)

    return icon.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)  # Pillow's own scalable font


def _logo(height: int) -> Image.Image:
    """The icon and the word "qbitrr" side by side, `height` pixels high."""
    big = height * SUPERSAMPLE
    icon = _icon(height).resize((big, big), Image.Resampling.LANCZOS)
    font = _font(round(big * 0.62))
    text = "qbitrr"
    # Whole pixels (Pillow types the box as floats).
    left, _, right, bottom = (int(edge) for edge in font.getbbox(text))
    gap = round(big * 0.14)
    width = big + gap + (right - left) + round(big * 0.04)

    # The word in the icon's gradient (spread over the word itself): it reads on light and on
    # dark backgrounds alike. The letters' x-height band is centred on the icon's middle.
    text_width = right - left
    x_top = int(font.getbbox("x")[1])
    y = (big - (bottom - x_top)) // 2 - x_top
    text_mask = Image.new("L", (text_width, big), 0)
    ImageDraw.Draw(text_mask).text((-left, y), text, font=font, fill=255)
    logo = Image.new("RGBA", (width, big), (0, 0, 0, 0))
    logo.paste(_gradient(text_width, big), (big + gap, 0), text_mask)
    logo.alpha_composite(icon, (0, 0))
    return logo.resize((round(width / SUPERSAMPLE), height), Image.Resampling.LANCZOS)


def _preview(logo: Image.Image) -> None:
    PREVIEW.mkdir(parents=True, exist_ok=True)
    for name, colour in (("light", (255, 255, 255, 255)), ("dark", (28, 28, 28, 255))):
        canvas = Image.new("RGBA", (logo.width + 40, logo.height + 40), colour)
        canvas.alpha_composite(logo, (20, 20))
        canvas.save(PREVIEW / f"logo-on-{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", action="store_true", help="also write preview images")
    args = parser.parse_args()

    BRAND.mkdir(parents=True, exist_ok=True)
    outputs = {
        "icon.png": _icon(256),
        "icon@2x.png": _icon(512),
        "logo.png": _logo(160),
    }
    for name, image in outputs.items():
        image.save(BRAND / name, optimize=True)
        print(f"{BRAND / name}: {image.width}x{image.height}")
    # The background must be transparent: the rounded corners of every image must be clear.
    for name, image in outputs.items():
        if image.getchannel("A").getpixel((0, 0)) != 0:
            raise SystemExit(f"{name}: the corner is not transparent")
    if args.preview:
        _preview(outputs["logo.png"])
        print(f"previews in {PREVIEW}")


if __name__ == "__main__":
    main()
