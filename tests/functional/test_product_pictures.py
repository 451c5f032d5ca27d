"""Product pictures on the shopper's pages: srcset, sizes, width and height, lazy loading
and alt text; a placeholder of the same shape without an image; one image query a list."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.helpers import statements
from tests.image_files import jpeg, png


def _tags(html: str, tag: str = "img") -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*>", html, re.S)


def test_a_card_shows_the_main_image_with_every_width_and_its_shape(client, make_product,
                                                                    add_image):
    product = make_product(name="Celadon cup")
    main = add_image(product.id, jpeg(1600, 1200), alt="")
    add_image(product.id, png(500, 500), alt="The lid")
    html = client.get("/products").get_data(as_text=True)
    [img] = _tags(html)
    urls = [variant["url"] for variant in _variants(client, main)]
    assert f'srcset="{urls[0]} 320w, {urls[1]} 640w, {urls[2]} 1280w"' in img
    assert f'src="{urls[2]}"' in img and 'width="1280" height="960"' in img
    assert 'loading="lazy"' in img and 'alt="Celadon cup"' in img  # no alt: the name
    assert 'sizes="' in img


def _variants(client, image):
    with client.application.test_request_context():
        return image.variants


def test_the_product_page_shows_the_main_image_large_and_the_others_below(client,
                                                                          make_product,
                                                                          add_image):
    product = make_product(name="Celadon cup")
    add_image(product.id, jpeg(1600, 1200), alt="From the side")
    add_image(product.id, png(500, 500), alt="The lid")
    add_image(product.id, png(600, 500))
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    images = _tags(html)
    assert [re.search(r'alt="([^"]*)"', img).group(1) for img in images] == [
        "From the side", "The lid", "Celadon cup, image 3"]
    assert 'loading="eager"' in images[0] and 'loading="lazy"' in images[1]
    assert html.count('data-testid="product-gallery"') == 1


@pytest.mark.parametrize("url", ["/", "/products", "/products/{id}"])
def test_without_an_image_a_neutral_box_of_the_same_shape(client, make_product, url):
    product = make_product(name="Plain box")
    html = client.get(url.format(id=product.id)).get_data(as_text=True)
    assert _tags(html) == []
    assert 'class="product-picture product-picture-empty"' in html


@pytest.mark.parametrize("url", ["/", "/products"])
def test_a_list_reads_every_cards_image_in_one_query(app, client, make_product, add_image,
                                                     url):
    for n in range(6):
        add_image(make_product().id, png(400 + n, 300))
    with app.app_context(), statements(db.engine, "product_images") as seen:
        html = client.get(url).get_data(as_text=True)
    assert len(_tags(html)) == 6
    assert len(seen) == 1, seen
