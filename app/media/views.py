"""GET /media/<path>: a stored image file, cacheable for a year (its name is its content).

Production may let the web server serve MEDIA_ROOT at /media/ instead (docs/DEPLOY.md); this
route answers the same URLs with the same headers, so pages do not care which does.
"""

from flask import Blueprint, abort, send_from_directory

from app.media.storage import FILE_PATH, MEDIA_URL, media_root

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get(f"{MEDIA_URL}<path:path>")
def file(path: str):
    if not FILE_PATH.match(path):
        abort(404)
    response = send_from_directory(media_root(), path, mimetype="image/webp",
                                   max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
