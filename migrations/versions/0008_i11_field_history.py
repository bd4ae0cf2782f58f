"""Field history: the values a later ledger or a correction replaced (``field_change``, server only).

Revision ID: 0008_i11
Revises: 0007_i11
Create Date: 2026-12-03 07:30:00

Nothing is backfilled: before this revision the server kept no old values
(the audit log has the dates and fields of ledger changes, not the values).
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008_i11"
down_revision: Union[str, Sequence[str], None] = "0007_i11"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "field_change",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("grid_id", sa.String(36), nullable=True),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_field_change_row", "field_change", ["row_id", "changed_at"])


def downgrade() -> None:
    op.drop_index("ix_field_change_row", table_name="field_change")
    op.drop_table("field_change")
