"""Migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import Base, Database
from app.migrate import upgrade
from app.settings import Settings


def test_models_match_the_migrated_schema(settings: Settings, migrated: None) -> None:
    database = Database(settings)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        database.dispose()
    assert differences == [], "models changed without a migration: run alembic revision"


def test_upgrade_is_idempotent(settings: Settings, migrated: None) -> None:
    database = Database(settings)
    try:
        upgrade(database.engine)
        upgrade(database.engine)
    finally:
        database.dispose()
