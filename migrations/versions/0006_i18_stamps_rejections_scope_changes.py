"""Sync that never loses an edit: each device's last stored stamp, refusals kept for replays, scope changes.

Revision ID: 0006_i18
Revises: 0005_i13b
Create Date: 2026-12-02 18:00:00

``device.last_stamp`` keeps a device's clamped stamps in the order its edits
were made; ``push_rejection`` answers a replayed refused change ``rejected``
again; ``scope_change`` records the areas users left or joined (grid
handovers), read by pulls and pushes.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_i18"
down_revision: Union[str, Sequence[str], None] = "0005_i13b"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch_op:
        batch_op.add_column(sa.Column("last_stamp", sa.String(80), nullable=False, server_default=""))
    with op.batch_alter_table("device") as batch_op:
        batch_op.alter_column("last_stamp", server_default=None, existing_type=sa.String(80), existing_nullable=False)
    op.create_table(
        "push_rejection",
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq"),
    )
    op.create_table(
        "scope_change",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("area_id", sa.String(36), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scope_change_user_version", "scope_change", ["user_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_scope_change_user_version", table_name="scope_change")
    op.drop_table("scope_change")
    op.drop_table("push_rejection")
    with op.batch_alter_table("device") as batch_op:
        batch_op.drop_column("last_stamp")
