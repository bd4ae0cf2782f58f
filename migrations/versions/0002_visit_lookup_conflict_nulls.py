"""Index visits by household and time (coverage: "visited in P"); conflict values may be NULL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 08:10:21
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CONFLICT_VALUES = ("base_value", "value_a", "value_b", "resolved_value")


def upgrade() -> None:
    with op.batch_alter_table("conflict") as batch_op:
        for column in CONFLICT_VALUES:
            batch_op.alter_column(column, existing_type=sa.JSON(), nullable=True)
    op.create_index("ix_visit_household_visited", "visit", ["household_id", "visited_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_visit_household_visited", table_name="visit")
    # a NULL cannot go back into a NOT NULL column: store it as JSON null, as 0001 did
    for column in CONFLICT_VALUES:
        op.execute(sa.text(f"UPDATE conflict SET {column} = 'null' WHERE {column} IS NULL"))
    with op.batch_alter_table("conflict") as batch_op:
        for column in CONFLICT_VALUES:
            batch_op.alter_column(column, existing_type=sa.JSON(), nullable=False)
