"""Where product images live: WebP files under ``MEDIA_ROOT``, named by their content hash.

A file's name is ``<digest>-<width>.webp`` in the folder ``<digest[:2]>/`` (so no folder
grows past a few thousand files). A name never changes content, so the files can be shared by
every app server (a volume), served by the web server straight from the folder, and cached by
browsers for a year.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import current_app, has_request_context, request, url_for

# Where the media route answers (app/media/views.py) and what a stored file's path looks
# like; the route serves nothing else.
MEDIA_URL = "/media/"
FILE_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}-[0-9]{2,4}\.webp$")


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def file_path(digest: str, width: int) -> str:
    """The file's path below MEDIA_ROOT, as the URL shows it too."""
    return f"{digest[:2]}/{digest}-{width}.webp"


def file_url(digest: str, width: int) -> str:
    """The file's URL. In a request, written from the app's mount point (``SCRIPT_NAME``)
    rather than asked of the URL map: a product card lists three sizes, and a page of cards
    spent more on ``url_for`` than on its images' query."""
    if has_request_context():
        return f"{request.script_root}{MEDIA_URL}{file_path(digest, width)}"
    return url_for("media.file", path=file_path(digest, width))


def write_files(digest: str, files: dict[int, bytes]) -> None:
    """Store each ``width → bytes`` under its name. Each file appears whole or not at all
    (written to a temporary name in the same folder, then renamed over), so a server reading
    the folder meanwhile never serves half a file; one already there is rewritten with the
    same bytes (its name is its content)."""
    folder = media_root() / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    for width, content in files.items():
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from the web server
            os.replace(temporary, media_root() / file_path(digest, width))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def missing_widths(digest: str, widths) -> list[int]:
    return [width for width in widths if not (media_root() / file_path(digest, width)).exists()]


def remove_files(digest: str) -> None:
    """Delete every stored width of ``digest`` (the caller knows no image refers to it)."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a digest: {digest!r}")
    for path in (media_root() / digest[:2]).glob(f"{digest}-*.webp"):
        path.unlink(missing_ok=True)
