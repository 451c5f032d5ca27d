"""The demo shop's drawn product pictures (app/shop/demo_images.py)."""

import io

import pytest
from PIL import Image

from app.shop.demo_images import MOTIFS, SIZE, draw_product_image


def _open(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


@pytest.mark.parametrize("motif", sorted(MOTIFS))
def test_each_motif_draws_a_square_png_with_a_shape_on_a_background(motif):
    picture = _open(draw_product_image(motif, 0.3, "제주 한라봉 3kg"))

    assert picture.format == "PNG" and picture.size == (SIZE, SIZE)
    rgb = picture.convert("RGB")
    # A drawn motif in the middle, not the background a corner shows; and enough colours
    # (gradient, pattern, shape, smoothed edges) that it is a picture, not a flat tile.
    corner = rgb.getpixel((4, 4))
    middle = [rgb.getpixel((SIZE // 2 + dx, SIZE * 2 // 3)) for dx in (-40, 0, 40)]
    assert any(sum(abs(a - b) for a, b in zip(pixel, corner)) > 60 for pixel in middle)
    assert len(rgb.getcolors(maxcolors=SIZE * SIZE)) > 200


def test_the_same_product_draws_the_same_bytes_and_another_product_differs():
    first = draw_product_image("cup", 0.33, "보성 첫물 녹차 80g")

    assert draw_product_image("cup", 0.33, "보성 첫물 녹차 80g") == first
    assert draw_product_image("cup", 0.33, "전통 식혜 6병") != first
    assert draw_product_image("cup", 0.45, "보성 첫물 녹차 80g") != first
    assert draw_product_image("bowl", 0.33, "보성 첫물 녹차 80g") != first

