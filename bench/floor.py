"""The throughput floor: a Flask handler that does nothing but run the echo workflow to its end
through the app's own Temporal client, served by the app's gunicorn settings
(`gunicorn -c python:app.gunicorn_conf "bench.floor:create_app()"`). No token, no validation,
no database row: what any Flask app in front of Temporal costs, before the app's own work."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask import Flask, Response, jsonify, request
from temporalio.client import Client

from app.jobs.base import JobContext
from app.jobs.echo import EchoInput, EchoWorkflow
from app.settings import load_settings
from app.temporal_client import TemporalGateway

PATH = "/floor/echo"


def create_app() -> Flask:
    settings = load_settings()
    gateway = TemporalGateway(settings)
    app = Flask(__name__)

    @app.get("/api/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    @app.post(PATH)
    def echo() -> Response:
        message = str(request.get_json()["message"])

        async def run(client: Client) -> EchoInput:
            return await client.execute_workflow(
                EchoWorkflow.run,
                args=[JobContext(), EchoInput(message=message)],
                id=f"bench-floor-{uuid.uuid4()}",
                task_queue=settings.temporal_task_queue,
            )

        return jsonify({"message": gateway.run(run, timeout=60).message})

    # app.gunicorn_conf's post_fork disposes the app's database pool; there is none here.
    engine = SimpleNamespace(dispose=lambda close: None)
    app.extensions["services"] = SimpleNamespace(database=SimpleNamespace(engine=engine))
    return app
