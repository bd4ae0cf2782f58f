"""Seal ID numbers, phones and conflict values under the server's key ring; lost-phone wipe; consent who/what.

Revision ID: 0005_i13b
Revises: 0003_i14
Create Date: 2026-12-02 07:30:00

Existing plaintext cells are sealed with the current key of the key ring
(``server.cells.load_key_ring``: ``DOORSTEP_DATA_KEYS`` or the key file);
the downgrade opens them again. ``employer.contact_phone`` widens to hold a
sealed cell.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_i13b"
down_revision: Union[str, Sequence[str], None] = "0003_i14"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _codec():
    from server.cells import CellCodec, load_key_ring
    from server.settings import get_settings

    return CellCodec(load_key_ring(get_settings()))


def _tables():
    from shared.models import Conflict, Employer, Resident

    return [Resident.__table__, Employer.__table__, Conflict.__table__]


def upgrade() -> None:
    from server.services.data_keys import reseal_all

    with op.batch_alter_table("employer") as batch_op:
        batch_op.alter_column("contact_phone", existing_type=sa.String(32), type_=sa.String(255),
                              existing_nullable=False)
    with op.batch_alter_table("device") as batch_op:
        batch_op.add_column(sa.Column("wipe_requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("resident") as batch_op:
        batch_op.add_column(sa.Column("consent_notice", sa.String(32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("consent_recorded_by", sa.String(36), nullable=True))
    with op.batch_alter_table("resident") as batch_op:
        batch_op.alter_column("consent_notice", server_default=None, existing_type=sa.String(32),
                              existing_nullable=False)
    reseal_all(op.get_bind(), _codec(), _tables())


def downgrade() -> None:
    from server.services.data_keys import reseal_all

    reseal_all(op.get_bind(), _codec(), _tables(), to_plain=True)
    with op.batch_alter_table("resident") as batch_op:
        batch_op.drop_column("consent_recorded_by")
        batch_op.drop_column("consent_notice")
    with op.batch_alter_table("device") as batch_op:
        batch_op.drop_column("wipe_requested_at")
    with op.batch_alter_table("employer") as batch_op:
        batch_op.alter_column("contact_phone", existing_type=sa.String(255), type_=sa.String(32),
                              existing_nullable=False)
