"""Image files made in the test that uses them (Pillow draws them; nothing is downloaded),
and the folder snapshot that shows a refused upload stored nothing."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageDraw

# EXIF orientation 6: the camera was turned a quarter right; viewers turn the picture back.
ROTATED_RIGHT = 6


def picture(width: int = 400, height: int = 300, mode: str = "RGB") -> Image.Image:
    """A picture that is not one flat colour (so encoders have something to keep), with a
    red top-left quarter by which a test can tell which way up it was stored."""
    image = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2, height // 2), fill="red")
    draw.ellipse((width // 4, height // 4, width, height), fill="navy")
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def jpeg(width: int = 400, height: int = 300, **options) -> bytes:
    return encoded(picture(width, height), "JPEG", quality=90, **options)


def png(width: int = 400, height: int = 300, **options) -> bytes:
    return encoded(picture(width, height, "RGBA"), "PNG", **options)


def webp(width: int = 400, height: int = 300) -> bytes:
    return encoded(picture(width, height), "WEBP", quality=90)


def with_gps(fmt: str, width: int = 400, height: int = 300, orientation: int | None = None,
             ) -> bytes:
    """A JPEG or PNG carrying EXIF with a GPS position (Seoul City Hall), a camera model,
    an sRGB ICC profile, and the orientation given."""
    image = picture(width, height)
    exif = image.getexif()
    exif[ExifTags.Base.Model] = "Test Camera 3000"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 33.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (126.0, 58.0, 41.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encoded(image, fmt, exif=exif, icc_profile=icc)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` pixels but holds only a few bytes of them:
    a decompression bomb's header, built without allocating its pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b""))


SVG_WITH_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
                   b'<script>alert(document.cookie)</script>'
                   b'<rect width="100" height="100" fill="red"/></svg>')


def media_files(root: str | Path) -> list[str]:
    """Every file under the media folder (temporary ones too), as sorted relative paths."""
    root = Path(root)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
