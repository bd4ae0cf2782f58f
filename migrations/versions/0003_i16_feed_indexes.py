"""Index the change feed by scope column and version: a pull reads its grids' entries after a cursor.

Without them a coordinator's pull scans the feed in version order until it
has found a page of its own entries: at 10 million residents that is most of
the feed for every page (bench/bench_scale.py measures both).

Revision ID: 0003_i16
Revises: 0002
Create Date: 2026-12-02 07:40:00
"""
from __future__ import annotations

from typing import Sequence, Union

from alembic import op

revision: str = "0003_i16"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = {"ix_change_log_grid_version": "grid_id", "ix_change_log_street_version": "street_id",
           "ix_change_log_district_version": "district_id"}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.create_index(name, "change_log", [column, "version"], unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="change_log")
