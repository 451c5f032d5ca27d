"""An uploaded picture made safe to serve: decoded, checked and re-encoded as WebP.

Only Pillow reads the upload, and only its JPEG, PNG and WebP decoders: the content decides
what a file is, never its name. Everything else (text, SVG, other formats, a truncated file)
is ``InvalidImage``, and so is a picture whose header claims more pixels than the shop will
decode, checked from the header before any pixel is decoded; Pillow's own bomb guard (its
``DecompressionBombError``, or its ``DecompressionBombWarning`` where warnings are errors)
is a refusal too. The picture is turned upright by its EXIF orientation and re-encoded, which leaves
every EXIF, GPS and ICC record behind, at the widths in ``IMAGE_WIDTHS`` that it can fill
(never enlarged).

Nothing here touches the disk or the database: ``process`` returns the files to store.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from flask_babel import format_number, gettext, lazy_gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import InvalidInput, PayloadTooLarge

IMAGE_MAX_BYTES = 10 * 1024 * 1024
# What an upload request may carry: the image and a few form fields (alt text, CSRF token)
# with their multipart boundaries, far below this margin.
UPLOAD_MAX_BODY = IMAGE_MAX_BYTES + 64 * 1024
# About a 48-megapixel phone photo; decoding one takes ~150 MB for a moment (JPEGs are
# decoded at a reduced scale when that is enough, see _decode). Pillow's own guard starts
# higher (~89 Mpx), so this check is the one a real upload meets.
IMAGE_MAX_PIXELS = 50_000_000
IMAGE_WIDTHS = (320, 640, 1280)
# media/storage.py names files by a width of 2 to 4 digits; a product picture narrower than
# this shows nothing anyway.
IMAGE_MIN_SIDE = 10
# WebP stores at most 16,383 pixels a side: at 1,280 wide, 12 times as tall still fits.
IMAGE_MAX_ASPECT = 12
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
WEBP_QUALITY = 82
_SVG_OR_XML = re.compile(rb"^\s*(<\?xml|<svg|<!doctype svg|<!--)", re.IGNORECASE)


class InvalidImage(InvalidInput):
    code = "invalid_image"
    title = lazy_gettext("Not an image the shop can use")
    field = "file"


@dataclass(frozen=True)
class ProcessedImage:
    """What to store: ``files`` maps each width to its WebP bytes; ``sizes`` lists the
    ``[width, height]`` pairs, smallest first (``ProductImage.sizes``)."""

    digest: str
    sizes: list[list[int]]
    files: dict[int, bytes]


def check_filename(filename: str) -> str:
    """The upload's own name, which must be a bare name: a path in it (``../../x.png``,
    ``a/b.png``, ``a\\b.png``) is a client trying to choose where the file lands."""
    if not isinstance(filename, str) or not filename.strip():
        raise InvalidImage(gettext("The file has no name. Choose a file to upload."))
    if "/" in filename or "\\" in filename or filename.strip() in {".", ".."} or any(
            ord(char) < 32 for char in filename):
        raise InvalidImage(gettext("A file name may not contain a path (/ or \\). "
                                   "Nothing was stored."))
    return filename


def _refusal() -> InvalidImage:
    return InvalidImage(gettext("This file is not a JPEG, PNG or WebP image, or it is damaged. "
                                "Nothing was stored."))


def _open(data: bytes) -> Image.Image:
    """The picture with only its header read, or ``InvalidImage``."""
    if _SVG_OR_XML.match(data[:1024]):
        raise InvalidImage(gettext("SVG and other text files are not accepted: upload a JPEG, "
                                   "PNG or WebP image. Nothing was stored."))
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    # Pillow warns past its limit and raises past twice that. The warning is an exception
    # only where warnings are errors (the tests); elsewhere _check_dimensions refuses the
    # same picture next, as the shop's limit is the lower one. (warnings.catch_warnings
    # would change the filters of every thread at once.)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refusal() from None


def _too_many_pixels() -> InvalidImage:
    return InvalidImage(gettext("The image has too many pixels (at most %(limit)s million). "
                                "Nothing was stored.",
                                limit=format_number(IMAGE_MAX_PIXELS // 1_000_000)))


def _check_dimensions(width: int, height: int) -> None:
    if width * height > IMAGE_MAX_PIXELS:
        raise _too_many_pixels()
    if min(width, height) < IMAGE_MIN_SIDE:
        raise InvalidImage(gettext("The image is too small: at least %(min)s pixels each way.",
                                   min=IMAGE_MIN_SIDE))
    if max(width, height) > IMAGE_MAX_ASPECT * min(width, height):
        raise InvalidImage(gettext("The image is too long and thin: one side may be at most "
                                   "%(ratio)s times the other.", ratio=IMAGE_MAX_ASPECT))


def _decode(picture: Image.Image) -> Image.Image:
    """Every pixel decoded (a truncated file fails here), upright, in RGB or RGBA."""
    if picture.format == "JPEG":
        # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale for the cost of the smaller size.
        picture.draft("RGB", (IMAGE_WIDTHS[-1], IMAGE_WIDTHS[-1]))
    # Relies on Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES staying off (its
    # default): then a file cut short fails to load instead of showing grey.
    try:
        picture.load()
        upright = ImageOps.exif_transpose(picture)
        transparent = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
        return upright.convert("RGBA" if transparent else "RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _refusal() from None


def _encode(picture: Image.Image, width: int) -> tuple[int, bytes]:
    height = max(1, round(picture.height * width / picture.width))
    resized = picture if width == picture.width else picture.resize(
        (width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= or icc_profile= argument: the new file carries none of the upload's metadata.
    resized.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return height, out.getvalue()


def process(data: bytes, filename: str) -> ProcessedImage:
    """Check an upload and make its WebP files; ``InvalidImage`` or ``PayloadTooLarge``
    (over ``IMAGE_MAX_BYTES``) when it cannot be used."""
    check_filename(filename)
    if len(data) > IMAGE_MAX_BYTES:
        raise PayloadTooLarge(gettext("The image is larger than %(limit)s MB. Nothing was "
                                      "stored.", limit=IMAGE_MAX_BYTES // (1024 * 1024)),
                              field="file")
    picture = _open(data)
    _check_dimensions(*picture.size)
    upright = _decode(picture)
    widths = [width for width in IMAGE_WIDTHS if width <= upright.width] or [upright.width]
    sizes, files = [], {}
    for width in widths:
        height, files[width] = _encode(upright, width)
        sizes.append([width, height])
    return ProcessedImage(digest=hashlib.sha256(data).hexdigest(), sizes=sizes, files=files)
