"""Which fields sync, and how each one merges: the single place that says so.

Every synced table is listed in ``SYNC_SPECS``. A field not listed here never
travels between the phone and the server. Merge kinds:

- ``lww``: a plain field; the later hybrid-logical-clock stamp wins, the device
  id inside the stamp breaks ties (``shared.merge``).
- groups: fields that must change together (the address parts; employment
  status with its date) share one stamp, stored under the group's name, and
  are merged as one value, so a winner never mixes parts of two addresses.
- ``set``: a set of strings (skills, occupation wishes); each element has its
  own add/remove stamp and the later one wins, so concurrent additions are
  unioned and a removal survives only when it is later than the addition.
- append-only tables (visits, status records, referral events): a row is
  created once and never updated by a device; creating one never conflicts and
  a correction is a new row. A repeated create is a duplicate.
- ``server`` fields are written only by the server (for example
  ``visit.received_at``, ``referral.status``) and flow down to phones.

``scope`` names the column that decides who may see a row: ``grid`` rows go to
the coordinators of that grid (and managers above it), ``street`` rows to every
user of that street, ``district`` rows to every user of the district.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class SyncSpec:
    table: str
    fields: tuple[str, ...]  # every synced field, groups' members included
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sets: tuple[str, ...] = ()
    server_fields: tuple[str, ...] = ()  # written by the server only
    append_only: bool = False
    scope: str = "grid"  # "grid" | "street" | "district"
    # columns that must be present when a device creates the row
    required_on_create: tuple[str, ...] = ()
    # fields encrypted at rest on the phone
    sensitive: tuple[str, ...] = ()

    def clock_key(self, field_name: str) -> str:
        """The stamp key of a field: its group's name, or the field itself."""
        return self._group_of.get(field_name, field_name)

    @cached_property
    def field_set(self) -> frozenset[str]:
        """``fields`` for membership tests (a push asks once per field it carries)."""
        return frozenset(self.fields)

    @cached_property
    def server_field_set(self) -> frozenset[str]:
        return frozenset(self.server_fields)

    @cached_property
    def _group_of(self) -> dict[str, str]:
        return {member: group for group, members in self.groups.items() for member in members}

    def members(self, clock_key: str) -> tuple[str, ...]:
        """The fields sharing one stamp key."""
        return self.groups.get(clock_key, (clock_key,))

    @property
    def device_fields(self) -> tuple[str, ...]:
        """Fields a device may write."""
        return tuple(f for f in self.fields if f not in self.server_fields)


SYNC_SPECS: dict[str, SyncSpec] = {
    spec.table: spec
    for spec in (
        SyncSpec(
            table="area",
            fields=("level", "name", "code", "parent_id", "district_id", "street_id", "community_id", "relocated",
                    "stat_code"),
            server_fields=("level", "name", "code", "parent_id", "district_id", "street_id", "community_id", "relocated",
                    "stat_code"),
            scope="district",
        ),
        SyncSpec(
            table="household",
            fields=(
                "community_id", "grid_id", "street_id", "address", "building", "unit", "room",
                "zero_employment", "double_unemployed", "single_parent", "low_income", "relocated",
                "zero_employment_identified_on", "zero_employment_wants_two",
                "zero_employment_resolved_on", "zero_employment_met", "notes",
            ),
            groups={
                "address": ("address", "building", "unit", "room"),
                "zero_employment_clock": ("zero_employment_resolved_on", "zero_employment_met"),
            },
            required_on_create=("community_id", "grid_id"),
        ),
        SyncSpec(
            table="resident",
            fields=(
                "household_id", "grid_id", "community_id", "name", "id_number", "sex", "birth_date", "phone",
                "relation", "education", "skills", "employment_status", "employment_since", "employer_name",
                "unemployment_registered", "unemployment_registered_on", "able_to_work",
                "job_wish_occupations", "job_wish_min_wage", "job_wish_hours", "job_wish_max_distance_km",
                "training_wish", "disability", "disability_level", "consent_given_at", "consent_scope", "consent_notice",
                "consent_recorded_by", "notes",
            ),
            groups={
                "employment": ("employment_status", "employment_since", "employer_name"),
                "registration": ("unemployment_registered", "unemployment_registered_on"),
                "consent": ("consent_given_at", "consent_scope", "consent_notice", "consent_recorded_by"),
            },
            sets=("skills", "job_wish_occupations"),
            required_on_create=("household_id", "grid_id"),
            sensitive=("name", "id_number", "phone"),
        ),
        SyncSpec(
            table="status_record",
            fields=("resident_id", "grid_id", "kind", "value", "effective_on", "recorded_by", "recorded_at"),
            append_only=True,
            required_on_create=("resident_id", "grid_id", "kind", "value", "effective_on"),
        ),
        SyncSpec(
            table="visit",
            fields=(
                "household_id", "grid_id", "coordinator_id", "visited_at", "outcome", "resident_ids",
                "services", "guidance_given", "guidance_notes", "notes", "next_follow_up_on",
                "latitude", "longitude", "received_at", "imported",
            ),
            server_fields=("received_at", "imported"),
            append_only=True,
            required_on_create=("household_id", "grid_id", "coordinator_id", "visited_at", "outcome"),
        ),
        SyncSpec(
            table="employer",
            fields=("street_id", "community_id", "name", "contact_name", "contact_phone", "address", "assistance_base"),
            scope="street",
            required_on_create=("street_id", "name"),
        ),
        SyncSpec(
            table="vacancy",
            fields=(
                "employer_id", "street_id", "community_id", "title", "occupation_code", "occupation_name",
                "openings", "filled", "wage_min", "wage_max", "hours", "shift", "location", "latitude",
                "longitude", "age_min", "age_max", "education_min", "skills_required", "public_welfare",
                "assistance_base", "valid_until", "closed", "collected_by", "collected_on",
            ),
            groups={"wage": ("wage_min", "wage_max"), "age": ("age_min", "age_max"),
                    "position": ("latitude", "longitude")},
            sets=("skills_required",),
            # a count, not a last-writer-wins field: the hired referrals of the vacancy (``sync_push``)
            server_fields=("filled",),
            scope="street",
            required_on_create=("employer_id", "street_id", "title"),
        ),
        SyncSpec(
            table="referral",
            fields=("resident_id", "vacancy_id", "grid_id", "code", "check_token", "consent_at", "created_by",
                    "created_at", "status", "status_on"),
            server_fields=("status", "status_on"),
            required_on_create=("resident_id", "vacancy_id", "grid_id", "code"),
        ),
        SyncSpec(
            table="referral_event",
            fields=("referral_id", "grid_id", "status", "occurred_on", "recorded_by", "recorded_at", "stamp", "note"),
            append_only=True,
            required_on_create=("referral_id", "grid_id", "status", "occurred_on"),
        ),
        SyncSpec(
            table="conflict",
            fields=(
                "table_name", "row_id", "field", "grid_id", "street_id", "base_value", "value_a", "user_a",
                "device_a", "stamp_a", "value_b", "user_b", "device_b", "stamp_b", "winner", "state",
                "resolved_by", "resolved_value", "created_at",
            ),
            # devices only close a conflict; the server creates them
            server_fields=(
                "table_name", "row_id", "field", "grid_id", "street_id", "base_value", "value_a", "user_a",
                "device_a", "stamp_a", "value_b", "user_b", "device_b", "stamp_b", "winner", "created_at",
            ),
            groups={"resolution": ("state", "resolved_by", "resolved_value")},
        ),
    )
}

SYNCED_TABLES: tuple[str, ...] = tuple(SYNC_SPECS)
# The order a device applies a pulled page in, parents before children.
APPLY_ORDER: tuple[str, ...] = (
    "area", "household", "resident", "status_record", "visit", "employer", "vacancy",
    "referral", "referral_event", "conflict",
)
