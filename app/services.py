"""The per-process objects a request needs, created once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.api.finished_jobs import FinishedJobs
from app.api.long_polls import LongPolls
from app.auth.token_cache import TokenCache
from app.db import Database
from app.jobs.changes import ChangeHub
from app.jobs.state import Freshness
from app.jobs.tracker import JobTracker
from app.settings import Settings
from app.temporal_client import TemporalGateway


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    temporal: TemporalGateway
    jobs: JobTracker
    changes: ChangeHub
    freshness: Freshness
    tokens: TokenCache
    finished_jobs: FinishedJobs
    long_polls: LongPolls


def services() -> Services:
    found: Services = current_app.extensions["services"]
    return found
