"""Scanned copies of PDFs, made as an office copier makes them: each page rendered at 150 dpi
in greyscale, turned by a small angle, speckled with seeded noise, JPEG-compressed, and bound
into an image-only PDF (no text layer). Deterministic for the same input, angle and seed.

    python tools/make_scans.py IN.pdf OUT.pdf --angle 0.6 --seed 1
"""
from __future__ import annotations

import argparse
import io
import random
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

DPI = 150
MAX_ANGLE = 0.8  # degrees: a copier's feed turns a page by less than a degree
SPECKLE_SHARE = 0.002  # of the pixels: dust and toner spots
JPEG_QUALITY = 70


def _speckle(image: Image.Image, rng: random.Random) -> Image.Image:
    """Dark and light dots at seeded places, as dust on the glass and toner spots leave."""
    pixels = image.load()
    width, height = image.size
    for _ in range(int(width * height * SPECKLE_SHARE)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 40, 90, 255))
    return image


def scan_page(page: pdfium.PdfPage, angle: float, rng: random.Random) -> Image.Image:
    """One page as the copier's greyscale image."""
    grey = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    turned = grey.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    return _speckle(turned, rng)


def _jpeg(image: Image.Image) -> Image.Image:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)
    return Image.open(io.BytesIO(out.getvalue()))


def bind(images: list[Image.Image]) -> bytes:
    """The page images as one image-only PDF at the scan's resolution."""
    out = io.BytesIO()
    stamp = time.gmtime(0)  # a fixed date, so the same pages give the same bytes
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=DPI,
                   creationDate=stamp, modDate=stamp)
    return out.getvalue()


def make_scan(data: bytes, angle: float = 0.6, seed: int = 1) -> bytes:
    """The scanned copy of the PDF `data`: every page turned by `angle` degrees."""
    if abs(angle) > MAX_ANGLE:
        raise ValueError(f"angle {angle} is more than a copier turns a page ({MAX_ANGLE}°)")
    rng = random.Random(seed)
    pdf = pdfium.PdfDocument(data)
    try:
        images = [_jpeg(scan_page(pdf[i], angle, rng)) for i in range(len(pdf))]
    finally:
        pdf.close()
    return bind(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--angle", type=float, default=0.6, help=f"degrees, at most {MAX_ANGLE}")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.target.write_bytes(make_scan(args.source.read_bytes(), args.angle, args.seed))


if __name__ == "__main__":
    main()
