"""The yearly coordinator assessment (seed 000): six items scored by the manager, residents' evaluations beside; under 60 fails.

The seed names the six items (政策掌握, 业务熟练, 台账基础管理, 工作态度与廉洁, 任务完成,
工作创新) and the 60-point line, not the points of each item: the maxima
below are the product's choice (they add up to 100; task completion weighs
most). The figures the system knows (visits, guidance, vacancies, referrals,
hires, timely entry, spot-check discrepancies, residents' ratings) are shown
beside the scores to inform them, never turned into points by themselves.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# (item, Chinese label, maximum points)
ITEMS: tuple[tuple[str, str, int], ...] = (
    ("policy_knowledge", "政策掌握", 15),
    ("business_proficiency", "业务熟练", 15),
    ("ledger_management", "台账基础管理", 15),
    ("attitude_integrity", "工作态度与廉洁", 15),
    ("task_completion", "任务完成", 25),
    ("innovation", "工作创新", 15),
)
MAXIMUM: dict[str, int] = {item: top for item, _, top in ITEMS}
LABELS_ZH: dict[str, str] = {item: label for item, label, _ in ITEMS}
PASS_MARK = 60
EXCELLENT_MARK = 90


def check_scores(scores: Mapping[str, Any]) -> dict[str, int]:
    """The scores as whole points within each item's maximum (``ValueError`` naming the item otherwise)."""
    unknown = sorted(set(scores) - set(MAXIMUM))
    if unknown:
        raise ValueError(f"unknown items: {', '.join(unknown)}")
    result = {}
    for item, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAXIMUM[item]:
            raise ValueError(f"{item} takes whole points from 0 to {MAXIMUM[item]}")
        result[item] = value
    return result


@dataclass(frozen=True)
class Assessment:
    scores: Mapping[str, int]

    @property
    def complete(self) -> bool:
        return all(item in self.scores for item in MAXIMUM)

    @property
    def total(self) -> int:
        return sum(self.scores.values())

    @property
    def verdict_zh(self) -> str:
        """优秀 (90+), 合格 (60+), 不合格 (under 60); 未评完 while an item has no score."""
        if not self.complete:
            return "未评完"
        if self.total >= EXCELLENT_MARK:
            return "优秀"
        return "合格" if self.total >= PASS_MARK else "不合格"
