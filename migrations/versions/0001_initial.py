"""Initial schema: every server table, and the sync_state row (id 1) that hands out change versions.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 07:10:22.568049
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('area',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('relocated', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_area_community_id'), 'area', ['community_id'], unique=False)
    op.create_index(op.f('ix_area_district_id'), 'area', ['district_id'], unique=False)
    op.create_index(op.f('ix_area_level'), 'area', ['level'], unique=False)
    op.create_index(op.f('ix_area_parent_id'), 'area', ['parent_id'], unique=False)
    op.create_index(op.f('ix_area_street_id'), 'area', ['street_id'], unique=False)
    op.create_index(op.f('ix_area_version'), 'area', ['version'], unique=False)
    op.create_table('audit_event',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('row_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_event_at'), 'audit_event', ['at'], unique=False)
    op.create_table('change_log',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('row_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_index('ix_change_log_row', 'change_log', ['table_name', 'row_id'], unique=True)
    op.create_table('conflict',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('row_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('base_value', sa.JSON(), nullable=False),
    sa.Column('value_a', sa.JSON(), nullable=False),
    sa.Column('user_a', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('device_a', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('stamp_a', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('value_b', sa.JSON(), nullable=False),
    sa.Column('user_b', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('device_b', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('stamp_b', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('winner', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('resolved_value', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_conflict_grid_id'), 'conflict', ['grid_id'], unique=False)
    op.create_index(op.f('ix_conflict_row_id'), 'conflict', ['row_id'], unique=False)
    op.create_index(op.f('ix_conflict_street_id'), 'conflict', ['street_id'], unique=False)
    op.create_index(op.f('ix_conflict_version'), 'conflict', ['version'], unique=False)
    op.create_table('employer',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('assistance_base', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_employer_street_id'), 'employer', ['street_id'], unique=False)
    op.create_index(op.f('ix_employer_version'), 'employer', ['version'], unique=False)
    op.create_table('household',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('building', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('room', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('zero_employment', sa.Boolean(), nullable=False),
    sa.Column('double_unemployed', sa.Boolean(), nullable=False),
    sa.Column('single_parent', sa.Boolean(), nullable=False),
    sa.Column('low_income', sa.Boolean(), nullable=False),
    sa.Column('relocated', sa.Boolean(), nullable=False),
    sa.Column('zero_employment_identified_on', sa.Date(), nullable=True),
    sa.Column('zero_employment_wants_two', sa.Boolean(), nullable=False),
    sa.Column('zero_employment_resolved_on', sa.Date(), nullable=True),
    sa.Column('zero_employment_met', sa.Boolean(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_household_community_id'), 'household', ['community_id'], unique=False)
    op.create_index(op.f('ix_household_grid_id'), 'household', ['grid_id'], unique=False)
    op.create_index(op.f('ix_household_street_id'), 'household', ['street_id'], unique=False)
    op.create_index(op.f('ix_household_version'), 'household', ['version'], unique=False)
    op.create_table('referral',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('resident_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('vacancy_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('consent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_referral_code'), 'referral', ['code'], unique=False)
    op.create_index(op.f('ix_referral_grid_id'), 'referral', ['grid_id'], unique=False)
    op.create_index(op.f('ix_referral_resident_id'), 'referral', ['resident_id'], unique=False)
    op.create_index(op.f('ix_referral_vacancy_id'), 'referral', ['vacancy_id'], unique=False)
    op.create_index(op.f('ix_referral_version'), 'referral', ['version'], unique=False)
    op.create_table('referral_event',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('referral_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_referral_event_grid_id'), 'referral_event', ['grid_id'], unique=False)
    op.create_index(op.f('ix_referral_event_referral_id'), 'referral_event', ['referral_id'], unique=False)
    op.create_index(op.f('ix_referral_event_version'), 'referral_event', ['version'], unique=False)
    op.create_table('resident',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('household_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('education', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('employment_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('employment_since', sa.Date(), nullable=True),
    sa.Column('employer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unemployment_registered', sa.Boolean(), nullable=True),
    sa.Column('unemployment_registered_on', sa.Date(), nullable=True),
    sa.Column('able_to_work', sa.Boolean(), nullable=True),
    sa.Column('job_wish_occupations', sa.JSON(), nullable=False),
    sa.Column('job_wish_min_wage', sa.Integer(), nullable=True),
    sa.Column('job_wish_hours', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('job_wish_max_distance_km', sa.Float(), nullable=True),
    sa.Column('training_wish', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('disability', sa.Boolean(), nullable=False),
    sa.Column('disability_level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('consent_given_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('consent_scope', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_resident_community_id'), 'resident', ['community_id'], unique=False)
    op.create_index(op.f('ix_resident_grid_id'), 'resident', ['grid_id'], unique=False)
    op.create_index(op.f('ix_resident_household_id'), 'resident', ['household_id'], unique=False)
    op.create_index(op.f('ix_resident_id_number'), 'resident', ['id_number'], unique=False)
    op.create_index(op.f('ix_resident_version'), 'resident', ['version'], unique=False)
    op.create_table('spot_check',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('sample_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('resident_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('area_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('verified_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sample_id', 'resident_id')
    )
    op.create_index(op.f('ix_spot_check_sample_id'), 'spot_check', ['sample_id'], unique=False)
    op.create_table('status_record',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('resident_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_status_record_grid_id'), 'status_record', ['grid_id'], unique=False)
    op.create_index(op.f('ix_status_record_resident_id'), 'status_record', ['resident_id'], unique=False)
    op.create_index('ix_status_record_resident_kind', 'status_record', ['resident_id', 'kind', 'effective_on'], unique=False)
    op.create_index(op.f('ix_status_record_version'), 'status_record', ['version'], unique=False)
    op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_version', sa.Integer(), nullable=False),
    sa.Column('tombstone_horizon', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('user_account',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('vacancy',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('employer_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('street_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('occupation_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('occupation_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('openings', sa.Integer(), nullable=False),
    sa.Column('filled', sa.Integer(), nullable=False),
    sa.Column('wage_min', sa.Integer(), nullable=True),
    sa.Column('wage_max', sa.Integer(), nullable=True),
    sa.Column('hours', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('shift', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('age_min', sa.Integer(), nullable=True),
    sa.Column('age_max', sa.Integer(), nullable=True),
    sa.Column('education_min', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('skills_required', sa.JSON(), nullable=False),
    sa.Column('public_welfare', sa.Boolean(), nullable=False),
    sa.Column('assistance_base', sa.Boolean(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('collected_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('collected_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_vacancy_employer_id'), 'vacancy', ['employer_id'], unique=False)
    op.create_index(op.f('ix_vacancy_street_id'), 'vacancy', ['street_id'], unique=False)
    op.create_index(op.f('ix_vacancy_version'), 'vacancy', ['version'], unique=False)
    op.create_table('visit',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('stamps', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('household_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grid_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('coordinator_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('visited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('resident_ids', sa.JSON(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('guidance_given', sa.Boolean(), nullable=False),
    sa.Column('guidance_notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('next_follow_up_on', sa.Date(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_visit_coordinator_id'), 'visit', ['coordinator_id'], unique=False)
    op.create_index(op.f('ix_visit_grid_id'), 'visit', ['grid_id'], unique=False)
    op.create_index(op.f('ix_visit_household_id'), 'visit', ['household_id'], unique=False)
    op.create_index(op.f('ix_visit_version'), 'visit', ['version'], unique=False)
    op.create_index(op.f('ix_visit_visited_at'), 'visit', ['visited_at'], unique=False)
    op.create_table('device',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_device_user_id'), 'device', ['user_id'], unique=False)
    op.create_table('user_area',
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('area_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'area_id')
    )
    # The one counter row: server.services.change_log locks it to hand out versions.
    sync_state = sa.table('sync_state', sa.column('id', sa.Integer), sa.column('last_version', sa.Integer),
                          sa.column('tombstone_horizon', sa.Integer))
    op.bulk_insert(sync_state, [{'id': 1, 'last_version': 0, 'tombstone_horizon': 0}])


def downgrade() -> None:
    op.drop_table('user_area')
    op.drop_index(op.f('ix_device_user_id'), table_name='device')
    op.drop_table('device')
    op.drop_index(op.f('ix_visit_visited_at'), table_name='visit')
    op.drop_index(op.f('ix_visit_version'), table_name='visit')
    op.drop_index(op.f('ix_visit_household_id'), table_name='visit')
    op.drop_index(op.f('ix_visit_grid_id'), table_name='visit')
    op.drop_index(op.f('ix_visit_coordinator_id'), table_name='visit')
    op.drop_table('visit')
    op.drop_index(op.f('ix_vacancy_version'), table_name='vacancy')
    op.drop_index(op.f('ix_vacancy_street_id'), table_name='vacancy')
    op.drop_index(op.f('ix_vacancy_employer_id'), table_name='vacancy')
    op.drop_table('vacancy')
    op.drop_table('user_account')
    op.drop_table('sync_state')
    op.drop_index(op.f('ix_status_record_version'), table_name='status_record')
    op.drop_index('ix_status_record_resident_kind', table_name='status_record')
    op.drop_index(op.f('ix_status_record_resident_id'), table_name='status_record')
    op.drop_index(op.f('ix_status_record_grid_id'), table_name='status_record')
    op.drop_table('status_record')
    op.drop_index(op.f('ix_spot_check_sample_id'), table_name='spot_check')
    op.drop_table('spot_check')
    op.drop_index(op.f('ix_resident_version'), table_name='resident')
    op.drop_index(op.f('ix_resident_id_number'), table_name='resident')
    op.drop_index(op.f('ix_resident_household_id'), table_name='resident')
    op.drop_index(op.f('ix_resident_grid_id'), table_name='resident')
    op.drop_index(op.f('ix_resident_community_id'), table_name='resident')
    op.drop_table('resident')
    op.drop_index(op.f('ix_referral_event_version'), table_name='referral_event')
    op.drop_index(op.f('ix_referral_event_referral_id'), table_name='referral_event')
    op.drop_index(op.f('ix_referral_event_grid_id'), table_name='referral_event')
    op.drop_table('referral_event')
    op.drop_index(op.f('ix_referral_version'), table_name='referral')
    op.drop_index(op.f('ix_referral_vacancy_id'), table_name='referral')
    op.drop_index(op.f('ix_referral_resident_id'), table_name='referral')
    op.drop_index(op.f('ix_referral_grid_id'), table_name='referral')
    op.drop_index(op.f('ix_referral_code'), table_name='referral')
    op.drop_table('referral')
    op.drop_index(op.f('ix_household_version'), table_name='household')
    op.drop_index(op.f('ix_household_street_id'), table_name='household')
    op.drop_index(op.f('ix_household_grid_id'), table_name='household')
    op.drop_index(op.f('ix_household_community_id'), table_name='household')
    op.drop_table('household')
    op.drop_index(op.f('ix_employer_version'), table_name='employer')
    op.drop_index(op.f('ix_employer_street_id'), table_name='employer')
    op.drop_table('employer')
    op.drop_index(op.f('ix_conflict_version'), table_name='conflict')
    op.drop_index(op.f('ix_conflict_street_id'), table_name='conflict')
    op.drop_index(op.f('ix_conflict_row_id'), table_name='conflict')
    op.drop_index(op.f('ix_conflict_grid_id'), table_name='conflict')
    op.drop_table('conflict')
    op.drop_index('ix_change_log_row', table_name='change_log')
    op.drop_table('change_log')
    op.drop_index(op.f('ix_audit_event_at'), table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_index(op.f('ix_area_version'), table_name='area')
    op.drop_index(op.f('ix_area_street_id'), table_name='area')
    op.drop_index(op.f('ix_area_parent_id'), table_name='area')
    op.drop_index(op.f('ix_area_level'), table_name='area')
    op.drop_index(op.f('ix_area_district_id'), table_name='area')
    op.drop_index(op.f('ix_area_community_id'), table_name='area')
    op.drop_table('area')
