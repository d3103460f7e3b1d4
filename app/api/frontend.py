"""Serves the built React app at `/`; client-side routes fall back to `index.html`."""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory

from app.api.errors import error_response
from app.services import services

blueprint = Blueprint("frontend", __name__)


@blueprint.get("/")
@blueprint.get("/<path:path>")
def spa(path: str = "") -> Response:
    if path == "api" or path.startswith("api/"):
        return error_response(404, "not_found", f"no API endpoint at /{path}")
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
