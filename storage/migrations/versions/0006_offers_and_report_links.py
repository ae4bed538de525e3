"""kudos offers and report links

"Make it a kudos" buttons name a stored offer instead of carrying who gives what to whom
(storage/prompts_models.py); report links are recorded so they can be revoked
(storage/report_models.py).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "kudos_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["prompt_post.id"]),
        sa.ForeignKeyConstraint(["giver_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_kudos_offer_post_id"), "kudos_offer", ["post_id"], unique=False)
    op.create_index(op.f("ix_kudos_offer_giver_id"), "kudos_offer", ["giver_id"], unique=False)
    op.create_table(
        "kudos_offer_recipient",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["kudos_offer.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("offer_id", "person_id"),
    )
    op.create_table(
        "report_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        _ts("issued_at"),
        _ts("expires_at"),
        _ts("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_report_link_person_id"), "report_link", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_report_link_person_id"), table_name="report_link")
    op.drop_table("report_link")
    op.drop_table("kudos_offer_recipient")
    op.drop_index(op.f("ix_kudos_offer_giver_id"), table_name="kudos_offer")
    op.drop_index(op.f("ix_kudos_offer_post_id"), table_name="kudos_offer")
    op.drop_table("kudos_offer")
