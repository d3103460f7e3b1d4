"""The HTTP baseline: one bare Flask handler, served by the app's own gunicorn settings
(`gunicorn -c python:app.gunicorn_conf "bench.bare:create_app()"`)."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, Response, jsonify


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/api/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    # app.gunicorn_conf's post_fork disposes the app's database pool; there is none here.
    engine = SimpleNamespace(dispose=lambda close: None)
    app.extensions["services"] = SimpleNamespace(database=SimpleNamespace(engine=engine))
    return app
