"""Where product images live: WebP files under ``MEDIA_ROOT``, named by their content hash.

A file's name is ``<digest>-<width>.webp`` in the folder ``<digest[:2]>/`` (so no folder
grows past a few thousand files). A name never changes content, so the files can be shared by
every app server (a volume), served by the web server straight from the folder, and cached by
browsers for a year.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app, url_for

# What a stored file's path looks like; the media route serves nothing else.
FILE_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}-[0-9]{2,4}\.webp$")


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def file_path(digest: str, width: int) -> str:
    """The file's path below MEDIA_ROOT, as the URL shows it too."""
    return f"{digest[:2]}/{digest}-{width}.webp"


def file_url(digest: str, width: int) -> str:
    return url_for("media.file", path=file_path(digest, width))
