"""How Flask serves the built React app: files as they are, every other non-API path
as index.html (client-side routes), and never index.html for an unknown API path."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.factory import create_app
from app.settings import Settings


def client_for(dist: Path, data_dir: Path) -> FlaskClient:
    settings = Settings(_env_file=None, data_dir=data_dir, frontend_dist=dist)  # type: ignore[call-arg]
    return create_app(settings).test_client()


@pytest.fixture
def built(tmp_path: Path) -> FlaskClient:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<div id="root"></div>', encoding="utf-8")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    return client_for(dist, tmp_path / "data")


@pytest.mark.parametrize("path", ["/", "/tasks", "/jobs", "/login", "/no/such/page"])
def test_client_side_routes_get_index_html_uncached(built: FlaskClient, path: str) -> None:
    response = built.get(path)

    assert response.status_code == 200
    assert response.get_data(as_text=True) == '<div id="root"></div>'
    assert response.headers["Cache-Control"] == "no-cache"


def test_built_assets_are_served_as_files(built: FlaskClient) -> None:
    response = built.get("/assets/index-abc123.js")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "console.log(1)"
    assert "javascript" in response.mimetype


def test_unknown_api_paths_are_json_404s_not_the_app(built: FlaskClient) -> None:
    response = built.get("/api/no-such-endpoint")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_without_a_build_the_answer_says_how_to_build_it(tmp_path: Path) -> None:
    client = client_for(tmp_path / "missing-dist", tmp_path / "data")

    response = client.get("/tasks")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "frontend_not_built"
    assert "make frontend" in response.get_json()["error"]["message"]
