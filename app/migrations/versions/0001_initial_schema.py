"""initial schema

Revision 0001, the first; created 2026-11-27.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _column(name: str, type_: Any, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


def _moments(*names: str, nullable: bool = False) -> list[sa.Column[Any]]:
    """Timestamp columns, in the order given."""
    return [_column(name, sa.DateTime(timezone=True), nullable=nullable) for name in names]


def _owned_by_account(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["accounts.id"], ondelete="CASCADE")


# (index, table, columns): created once their tables are, dropped before them.
INDEXES = (
    ("ix_health_checks_checked_at", "health_checks", ["checked_at"]),
    ("ix_login_failures_email_at", "login_failures", ["email", "failed_at"]),
    ("ix_jobs_owner_created", "jobs", ["owner_id", "created_at", "id"]),
    ("ix_jobs_owner_status", "jobs", ["owner_id", "status"]),
    ("ix_tasks_owner_created", "tasks", ["owner_id", "created_at", "id"]),
)
# In the order upgrade() creates them; downgrade() drops them in the reverse one.
TABLES = (
    "accounts",
    "email_deliveries",
    "health_checks",
    "job_artifacts",
    "login_failures",
    "auth_tokens",
    "jobs",
    "tasks",
)


def upgrade() -> None:
    serial_id = ("id", sa.Integer())
    op.create_table(
        "accounts",
        _column(*serial_id),
        _column("email", sa.String(length=254)),
        _column("password_hash", sa.String(length=255)),
        *_moments("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "email_deliveries",
        _column("key", sa.String(length=200)),
        _column("recipient", sa.String(length=254)),
        _column("subject", sa.String(length=200)),
        _column("message_id", sa.String(length=255)),
        _column("status", sa.String(length=16)),
        _column("attempts", sa.Integer()),
        *_moments("sent_at", nullable=True),
        *_moments("created_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "health_checks",
        _column(*serial_id),
        *_moments("checked_at"),
        _column("web_ok", sa.Boolean()),
        _column("database_ok", sa.Boolean()),
        _column("web_latency_ms", sa.Float(), nullable=True),
        _column("detail", sa.Text()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "job_artifacts",
        _column("workflow_id", sa.String(length=200)),
        _column("filename", sa.String(length=255)),
        _column("content_type", sa.String(length=100)),
        _column("content", sa.LargeBinary()),
        *_moments("created_at"),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_table(
        "login_failures",
        _column(*serial_id),
        _column("email", sa.String(length=254)),
        *_moments("failed_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "auth_tokens",
        _column(*serial_id),
        _column("account_id", sa.Integer()),
        _column("token_hash", sa.String(length=64)),
        *_moments("created_at", "expires_at"),
        *_moments("revoked_at", nullable=True),
        _owned_by_account("account_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "jobs",
        _column("id", sa.String(length=36)),
        _column("owner_id", sa.Integer()),
        _column("type", sa.String(length=64)),
        _column("status", sa.String(length=16)),
        _column("input", JSON),
        _column("result", JSON, nullable=True),
        _column("error", sa.Text(), nullable=True),
        _column("progress_done", sa.Integer(), nullable=True),
        _column("progress_total", sa.Integer(), nullable=True),
        _column("idempotency_key", sa.String(length=200), nullable=True),
        *_moments("created_at"),
        *_moments("started_at", "finished_at", "cancel_requested_at", nullable=True),
        _owned_by_account("owner_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "idempotency_key", name="uq_jobs_owner_idempotency_key"),
    )
    op.create_table(
        "tasks",
        _column(*serial_id),
        _column("owner_id", sa.Integer()),
        _column("title", sa.String(length=200)),
        _column("notes", sa.Text()),
        *_moments("due_at", "completed_at", "reminded_at", nullable=True),
        *_moments("created_at", "updated_at"),
        _owned_by_account("owner_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    for table in reversed(TABLES):
        op.drop_table(table)
