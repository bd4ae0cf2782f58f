"""Per coordinator: how many of their referrals employers confirmed on the slip's page, and how many ended in a hire.

A referral counts in a month when an employer confirmed a step of it that
month (``referral_event.recorded_by`` = ``EMPLOYER_RECORDER``, by the step's
date); it counts as a hire when its status is hired now.
"""
from __future__ import annotations

from sqlalchemy import Connection, func, select

from server.services.coverage_sql import count_if, in_ids
from shared import coverage as cov
from shared.models import Referral, ReferralEvent
from shared.referrals import EMPLOYER_RECORDER
from shared.vocab import ReferralStatus

REFERRAL = Referral.__table__
REFERRAL_EVENT = ReferralEvent.__table__
FIELDS: tuple[str, ...] = ("employer_confirmed", "employer_hires")
LABELS_ZH: dict[str, str] = {"employer_confirmed": "单位确认", "employer_hires": "确认录用"}


def employer_confirmations(conn: Connection, users: list[str], month: cov.Period) -> dict[str, dict[str, int]]:
    """{coordinator id: {"employer_confirmed": n, "employer_hires": m}} for the referrals they made."""
    confirmed = (select(REFERRAL_EVENT.c.referral_id)
                 .where(REFERRAL_EVENT.c.recorded_by == EMPLOYER_RECORDER, REFERRAL_EVENT.c.deleted.is_(False),
                        REFERRAL_EVENT.c.occurred_on >= month.start, REFERRAL_EVENT.c.occurred_on <= month.end)
                 .distinct().subquery())
    figures = {user: dict.fromkeys(FIELDS, 0) for user in users}
    for user_id, count, hires in conn.execute(
        select(REFERRAL.c.created_by, func.count(), count_if(REFERRAL.c.status == ReferralStatus.hired.value))
        .join(confirmed, confirmed.c.referral_id == REFERRAL.c.id)
        .where(in_ids(REFERRAL.c.created_by, users, "employer_users"), REFERRAL.c.deleted.is_(False))
        .group_by(REFERRAL.c.created_by)):
        figures[user_id] = {"employer_confirmed": count, "employer_hires": hires}
    return figures
