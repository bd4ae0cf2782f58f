"""A feed entry names the device whose push it is and the row's version before it (issue 12).

Revision ID: 0009_i12
Revises: 0008_i11
Create Date: 2026-12-03 08:00:00

A pull that passes ``own_from`` skips the entries its device pushed itself
(and holds as stored) instead of sending them back. Existing entries have
neither column set: they are always sent.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_i12"
down_revision: Union[str, Sequence[str], None] = "0008_i11"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("change_log") as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("prior_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_log") as batch_op:
        batch_op.drop_column("prior_version")
        batch_op.drop_column("device_id")
