"""Referral slips get a check token (the employer's page answers only with it); audit events indexed for throttles.

Existing referrals get a fresh random token each (their printed slips had no
token: the employer types the code the coordinator reprints with the new one).

Revision ID: 0004_i15
Revises: 0003_i13a
Create Date: 2026-12-02 07:10:00
"""
from __future__ import annotations

import secrets
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_i15"
down_revision: Union[str, Sequence[str], None] = "0003_i13a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _token() -> str:
    """100 random bits in Crockford base32, as ``shared.models.new_check_token`` makes them (frozen here)."""
    number = secrets.randbits(100)
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(20))


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch_op:
        batch_op.add_column(sa.Column("check_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=""))
    conn = op.get_bind()
    referral = sa.table("referral", sa.column("id", sa.String), sa.column("check_token", sa.String))
    ids = [row_id for (row_id,) in conn.execute(sa.select(referral.c.id))]
    if ids:
        conn.execute(sa.update(referral).where(referral.c.id == sa.bindparam("b_id"))
                     .values(check_token=sa.bindparam("b_token")),
                     [{"b_id": row_id, "b_token": _token()} for row_id in ids])
    with op.batch_alter_table("referral") as batch_op:
        batch_op.alter_column("check_token", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), server_default=None)
    op.create_index("ix_audit_event_action_row_at", "audit_event", ["action", "row_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_event_action_row_at", table_name="audit_event")
    with op.batch_alter_table("referral") as batch_op:
        batch_op.drop_column("check_token")
