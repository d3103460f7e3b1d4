"""The Flask app factory: settings, database, Temporal client, blueprints."""

from __future__ import annotations

import logging

from flask import Flask
from flask_openapi3 import Info, SecurityScheme

from app.api.finished_jobs import FinishedJobs
from app.api.long_polls import LongPolls
from app.auth.token_cache import TokenCache
from app.db import Database
from app.jobs.changes import ChangeHub
from app.jobs.state import Freshness
from app.jobs.tracker import JobTracker
from app.services import Services
from app.settings import Settings, load_settings
from app.temporal_client import TemporalGateway

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    from app.api import auth, docs, frontend, health, jobs, tasks
    from app.api.deps import authenticate
    from app.api.errors import register_error_handlers
    from app.api.openapi import ApiApp, ErrorBody, check_json_body, raise_validation_error
    from app.api.reads import release_read_connection
    from app.auth.tokens import REVOKED_TOPIC

    settings = settings or load_settings()
    app = ApiApp(
        __name__,
        static_folder=None,
        info=Info(title="preview-stack API", version="1"),
        security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")},
        validation_error_model=ErrorBody,
        validation_error_callback=raise_validation_error,
        doc_ui=False,  # app/api/docs.py serves the document; no browsable UI
    )
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    database = Database(settings)
    gateway = TemporalGateway(settings)
    tracker = JobTracker(settings, database, gateway)
    changes = ChangeHub(settings.listen_url)
    tokens = TokenCache(settings.token_cache_seconds)
    changes.subscribe(REVOKED_TOPIC, tokens.on_change)
    app.extensions["services"] = Services(
        settings=settings,
        database=database,
        temporal=gateway,
        jobs=tracker,
        changes=changes,
        freshness=Freshness(tracker.store, settings.job_state_stale_after_seconds),
        tokens=tokens,
        finished_jobs=FinishedJobs(),
        long_polls=LongPolls(settings.web_threads),
    )
    register_error_handlers(app)
    app.teardown_appcontext(release_read_connection)
    app.before_request(authenticate)  # first: a stranger's bad input is a 401, not a 422
    app.before_request(check_json_body)
    app.url_map.converters["spa_path"] = frontend.SpaPath
    for api in (health.blueprint, auth.blueprint, tasks.blueprint, jobs.blueprint):
        app.register_api(api)
    app.register_blueprint(docs.blueprint)
    app.register_blueprint(frontend.blueprint)
    address = settings.temporal_address
    log.info(
        "environment %s; Temporal at %s (rule %s: %s)",
        settings.app_env,
        address.address,
        address.rule,
        address.description,
    )
    return app
