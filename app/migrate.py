"""`python -m app.migrate`: bring the app database to the newest schema.

Development runs this at start-up; Kubernetes runs it as its own step before new
web pods take traffic. Safe to run concurrently: PostgreSQL serialises it with an
advisory lock.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from app.db import make_engine
from app.logs import configure_logging
from app.settings import Settings, load_settings_or_exit

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_ID = 7_233_001

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def migrate(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    log.info("database schema is up to date")


def main() -> int:
    configure_logging()
    settings = load_settings_or_exit()
    try:
        migrate(settings)
    except Exception as error:  # a person reads this; the cause is in the message
        print(f"migration failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
