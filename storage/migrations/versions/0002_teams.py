"""Teams conversation references

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import storage.types  # noqa: F401

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_aad_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("team_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("channel_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "conversation_id"),
    )
    op.create_index("ix_teams_conversation_user", "teams_conversation", ["tenant", "user_aad_id"])
    op.create_index("ix_teams_conversation_channel", "teams_conversation", ["tenant", "team_name", "channel_name"])
    op.create_table(
        "teams_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("service_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "user_id"),
    )
    op.create_index("ix_teams_member_aad_object_id", "teams_member", ["aad_object_id"])
    op.create_index("ix_teams_member_email", "teams_member", ["email"])


def downgrade() -> None:
    op.drop_index("ix_teams_member_email", table_name="teams_member")
    op.drop_index("ix_teams_member_aad_object_id", table_name="teams_member")
    op.drop_table("teams_member")
    op.drop_index("ix_teams_conversation_channel", table_name="teams_conversation")
    op.drop_index("ix_teams_conversation_user", table_name="teams_conversation")
    op.drop_table("teams_conversation")
