"""gunicorn settings: `gunicorn -c python:app.gunicorn_conf "app:create_app()"`.

Worker and thread counts come from settings, never from the node's CPU count, which
in a container is the node's, not the pod's.
"""

from __future__ import annotations

from typing import Any

from app.logs import configure_logging
from app.settings import load_settings_or_exit

configure_logging()
_settings = load_settings_or_exit()

bind = f"0.0.0.0:{_settings.web_port}"
workers = _settings.web_workers
threads = _settings.web_threads
worker_class = "gthread"
preload_app = True  # import the app once in the master; workers fork from it
timeout = 60
graceful_timeout = 20
keepalive = 5
control_socket_disable = True  # it writes under $HOME, which is read-only in a container
accesslog = "-"
errorlog = "-"


def post_fork(server: Any, _worker: object) -> None:
    # Connections opened before the fork belong to the master; never share them.
    server.app.wsgi().extensions["services"].database.engine.dispose(close=False)


def on_starting(_server: object) -> None:
    if _settings.runs_migrations_on_start:
        from app.migrate import migrate

        migrate(_settings)
