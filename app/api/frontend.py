"""Serves the built React app at `/`; client-side routes fall back to `index.html`."""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory
from werkzeug.routing import PathConverter

from app.api.errors import error_response
from app.services import services

blueprint = Blueprint("frontend", __name__)


class SpaPath(PathConverter):
    """Any path outside `/api`. An unknown `/api/...` URL is then a plain 404 for every
    method, and `Allow` on API URLs lists only the API's own methods."""

    regex = r"(?!api(?:/|$))[^/].*?"


@blueprint.get("/")
@blueprint.get("/<spa_path:path>")
def spa(path: str = "") -> Response:
    dist = services().settings.frontend_dist
    if not (dist / "index.html").is_file():
        return error_response(
            404, "frontend_not_built", f"the React app is not built in {dist}; run `make frontend`"
        )
    if path and (dist / path).is_file():
        return send_from_directory(dist, path)
    response = send_from_directory(dist, "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response
