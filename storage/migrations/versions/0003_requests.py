"""internal requests

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _s(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _ts() -> storage.types.UTCDateTime:
    return storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", _s(64), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", _s(16), nullable=False),
        sa.Column("platform", _s(16), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.Column("asked_due_at", _ts(), nullable=True),
        sa.Column("assignment", sa.Integer(), nullable=False),
        sa.Column("sla_started_at", _ts(), nullable=False),
        sa.Column("first_response_target_s", sa.Integer(), nullable=False),
        sa.Column("first_response_due_at", _ts(), nullable=False),
        sa.Column("acknowledged_at", _ts(), nullable=True),
        sa.Column("first_response_at", _ts(), nullable=True),
        sa.Column("first_response_business_s", sa.Integer(), nullable=True),
        sa.Column("promised_at", _ts(), nullable=True),
        sa.Column("promise_made_at", _ts(), nullable=True),
        sa.Column("promise_version", sa.Integer(), nullable=False),
        sa.Column("promise_renegotiations", sa.Integer(), nullable=False),
        sa.Column("promise_broken", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", _ts(), nullable=True),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("delivery_note", sa.Text(), nullable=False),
        sa.Column("resolution_business_s", sa.Integer(), nullable=True),
        sa.Column("closed_at", _ts(), nullable=True),
        sa.Column("auto_confirmed", sa.Boolean(), nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=False),
        sa.Column("thanked_kudos_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["requester_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["thanked_kudos_id"], ["kudos.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "number", name="uq_request_org_number"),
    )
    op.create_index("ix_request_org_status", "request", ["org_id", "status"])
    op.create_index("ix_request_org_created", "request", ["org_id", "created_at"])
    op.create_index("ix_request_requester_id", "request", ["requester_id"])
    op.create_index("ix_request_owner_id", "request", ["owner_id"])
    op.create_table(
        "request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", _s(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_request_event_request_id", "request_event", ["request_id"])
    op.create_table(
        "request_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("point", _s(120), nullable=False),
        sa.Column("status", _s(16), nullable=False),
        sa.Column("due_at", _ts(), nullable=False),
        sa.Column("done_at", _ts(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "point", name="uq_request_reminder_point"),
    )
    op.create_index("ix_request_reminder_request_id", "request_reminder", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_request_reminder_request_id", table_name="request_reminder")
    op.drop_table("request_reminder")
    op.drop_index("ix_request_event_request_id", table_name="request_event")
    op.drop_table("request_event")
    for name in ("ix_request_owner_id", "ix_request_requester_id", "ix_request_org_created", "ix_request_org_status"):
        op.drop_index(name, table_name="request")
    op.drop_table("request")
