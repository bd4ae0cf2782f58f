"""Information records (entered / complete as the server held it), spot-check community and rating, coordinator assessment.

Every resident already stored gets one information record as it stands now
(source ``backfill``), dated 1990-01-01: for the periods before this
migration their values as of today stand for the values as they were (the
server kept no history of them before).

Revision ID: 0003_i14
Revises: 0004_i15
Create Date: 2026-12-02 07:10:00
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from shared.validation import missing_fields

revision: str = "0003_i14"
down_revision: Union[str, Sequence[str], None] = "0004_i15"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BACKFILL_AT = datetime(1990, 1, 1, tzinfo=timezone.utc)
CHUNK = 2000


def upgrade() -> None:
    information = op.create_table(
        "information_record",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("resident_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("grid_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_information_record_grid_id"), "information_record", ["grid_id"], unique=False)
    op.create_index("ix_information_record_resident", "information_record", ["resident_id", "recorded_at"],
                    unique=False)
    op.create_table(
        "coordinator_assessment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("assessed_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("assessed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "year"),
    )
    op.create_index(op.f("ix_coordinator_assessment_user_id"), "coordinator_assessment", ["user_id"], unique=False)
    with op.batch_alter_table("spot_check") as batch_op:
        batch_op.add_column(sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
    _backfill(information)


def _backfill(information: sa.Table) -> None:
    conn = op.get_bind()
    resident = sa.Table("resident", sa.MetaData(), autoload_with=conn)  # every column missing_fields may read
    rows = conn.execute(sa.select(resident).where(resident.c.deleted.is_(False))).mappings().all()
    records = []
    for row in rows:
        missing = missing_fields(dict(row))
        records.append({"id": str(uuid.uuid4()), "resident_id": row["id"], "grid_id": row["grid_id"],
                        "recorded_at": BACKFILL_AT, "complete": not missing, "missing": missing,
                        "source": "backfill"})
    for start in range(0, len(records), CHUNK):
        conn.execute(sa.insert(information), records[start:start + CHUNK])


def downgrade() -> None:
    with op.batch_alter_table("spot_check") as batch_op:
        batch_op.drop_column("rating")
        batch_op.drop_column("community_id")
    op.drop_index(op.f("ix_coordinator_assessment_user_id"), table_name="coordinator_assessment")
    op.drop_table("coordinator_assessment")
    op.drop_index("ix_information_record_resident", table_name="information_record")
    op.drop_index(op.f("ix_information_record_grid_id"), table_name="information_record")
    op.drop_table("information_record")
