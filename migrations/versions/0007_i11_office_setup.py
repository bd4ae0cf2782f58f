"""An office sets itself up: one-time passwords, statistical area codes, visits imported from paper ledgers.

Revision ID: 0007_i11
Revises: 0006_i18
Create Date: 2026-12-02 17:40:00

``user_account.must_change_password``: an account made by ``doorstep admin
import-staff`` or whose password an administrator reset signs in only after
choosing a new password. ``area.stat_code``: the 12-digit 统计用区划代码.
``visit.imported``: the visit came from a paper ledger; existing visits with
no ``received_at`` were imported that way (a phone's visit always has one).
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_i11"
down_revision: Union[str, Sequence[str], None] = "0006_i18"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("area") as batch_op:
        batch_op.add_column(sa.Column("stat_code", sa.String(12), nullable=False, server_default=""))
    with op.batch_alter_table("visit") as batch_op:
        batch_op.add_column(sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE visit SET imported = :yes WHERE received_at IS NULL").bindparams(yes=True))
    # the defaults only filled the existing rows; the models give every new row its value
    for table, column, kind in (("user_account", "must_change_password", sa.Boolean()),
                                ("area", "stat_code", sa.String(12)), ("visit", "imported", sa.Boolean())):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, server_default=None, existing_type=kind, existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch_op:
        batch_op.drop_column("imported")
    with op.batch_alter_table("area") as batch_op:
        batch_op.drop_column("stat_code")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("must_change_password")
