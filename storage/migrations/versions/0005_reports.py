"""report deliveries and links

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import storage.types  # noqa: F401

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The key report links are signed with when EXTRAMILE_SECRET is not set (storage/report_models.py).
    op.create_table(
        "report_secret",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Covering index for the report's per-giver monthly scans (storage/report_queries.py).
    op.create_index("ix_kudos_org_created_giver", "kudos", ["org_id", "created_at", "giver_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kudos_org_created_giver", table_name="kudos")
    op.drop_table("report_secret")
