"""job_state_sync: when the reconciler last confirmed the jobs rows against Temporal

Revision 0002, after 0001; created 2026-12-01.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.create_table(
        "job_state_sync",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("job_state_sync")
