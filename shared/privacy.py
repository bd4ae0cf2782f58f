"""PIPL rules that are pure: the notice read out before collecting, and what anonymising a resident keeps.

The notice's text and version are recorded with the resident's consent
(``resident.consent_notice``); ``docs/privacy.md`` is the long form of it.
Anonymising blanks what identifies the person and keeps what the aggregate
figures need (status histories, visits, hardship flags, sex, birth year),
so visit, guidance and re-employment rates of past periods stay as they were.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

NOTICE_VERSION = "2026-12"
NOTICE_ZH = (
    "告知：为提供就业服务，社区劳动保障协管员将采集您和家庭成员的姓名、身份证号、联系电话、就业与失业登记情况、"
    "求职和培训意愿等信息。信息加密保存在协管员手机和街道就业服务系统中，只有负责本网格的协管员和本街道、区就业"
    "服务机构的工作人员可以查看，用于走访、推荐岗位和统计报表，不作其他用途。您可以随时要求查阅、导出、更正或删除"
    "您的信息；不再需要时将按规定期限匿名化处理。"
)
CONSENT_LABEL_ZH = "已向居民告知以上内容，本人同意采集和使用信息"
ANONYMOUS_NAME = "（已匿名）"
ANONYMOUS_MARK = "已匿名"  # stands where a filled ID number or phone was: still "filled" for the collection rate

# resident fields that identify the person: a filled one becomes the mark, an empty one stays empty,
# so the information-collection rate of past months is what it was
MARKED_FIELDS: dict[str, str] = {"name": ANONYMOUS_NAME, "id_number": ANONYMOUS_MARK, "phone": ANONYMOUS_MARK}
CLEARED_FIELDS: dict[str, Any] = {"employer_name": "", "notes": ""}
# kept on purpose: sex, birth year, education, employment / registration / ability, job wishes, disability,
# consent (when, scope), hardship flags, visits and status records: what the rates and the reports count


def anonymised_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The changes that anonymise one resident row (only fields that are not already so)."""
    changes = {name: mark for name, mark in MARKED_FIELDS.items() if row.get(name) and row.get(name) != mark}
    changes.update({name: value for name, value in CLEARED_FIELDS.items() if row.get(name) != value})
    born = row.get("birth_date")
    if isinstance(born, date) and (born.month, born.day) != (1, 1):
        changes["birth_date"] = date(born.year, 1, 1)  # the birth year stays: age groups of the reports
    return changes


def is_anonymised(row: dict[str, Any]) -> bool:
    return not anonymised_fields(row)


def retention_cutoff(now: datetime, retention_days: int) -> datetime | None:
    """Rows deleted before this moment are past the retention period (None: keep forever)."""
    return now - timedelta(days=retention_days) if retention_days > 0 else None
