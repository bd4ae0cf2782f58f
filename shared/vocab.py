"""The domain's fixed vocabularies (codes stored in the database) and their Chinese labels."""
from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A str-valued enum whose value is the stable code stored and synced."""

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


class AreaLevel(StrEnum):
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"


class Role(StrEnum):
    coordinator = "coordinator"
    manager = "manager"
    admin = "admin"


class Sex(StrEnum):
    male = "male"
    female = "female"


class Education(StrEnum):
    none = "none"
    primary = "primary"
    junior = "junior"
    senior = "senior"
    vocational = "vocational"
    college = "college"
    bachelor = "bachelor"
    postgraduate = "postgraduate"


EDUCATION_RANK = {e: i for i, e in enumerate(Education)}


class EmploymentStatus(StrEnum):
    employed = "employed"
    flexible = "flexible"  # 灵活就业: counts as employed
    self_employed = "self_employed"
    unemployed = "unemployed"
    retired = "retired"
    student = "student"
    unable = "unable"  # no working ability


EMPLOYED_STATUSES = frozenset({EmploymentStatus.employed, EmploymentStatus.flexible, EmploymentStatus.self_employed})


class VisitOutcome(StrEnum):
    met = "met"
    not_home = "not_home"
    refused = "refused"
    moved_away = "moved_away"


class ServiceItem(StrEnum):
    """The nine service items of the seeds."""

    unemployment_registration = "unemployment_registration"
    insurance_claim = "insurance_claim"
    employment_certificate = "employment_certificate"
    reemployment_certificate = "reemployment_certificate"
    vacancy_information = "vacancy_information"
    guidance_training_information = "guidance_training_information"
    policy_consultation = "policy_consultation"
    unemployment_period = "unemployment_period"
    special_subsidy = "special_subsidy"


class WorkHours(StrEnum):
    full_time = "full_time"
    part_time = "part_time"
    flexible = "flexible"
    shifts = "shifts"


class ReferralStatus(StrEnum):
    referred = "referred"
    interviewed = "interviewed"
    hired = "hired"
    not_hired = "not_hired"
    declined = "declined"
    no_show = "no_show"


class StatusKind(StrEnum):
    """What a dated status record (history) is about."""

    employment = "employment"  # value: an EmploymentStatus
    registration = "registration"  # value: "registered" | "deregistered"
    ability = "ability"  # value: "able" | "unable" (able and willing to work)


class ConflictState(StrEnum):
    open = "open"
    resolved = "resolved"


LABELS_ZH: dict[str, str] = {
    # areas
    "district": "区", "street": "街道", "community": "社区", "grid": "网格",
    # roles
    "coordinator": "协管员", "manager": "管理员", "admin": "系统管理员",
    # sex
    "male": "男", "female": "女",
    # education
    "none": "无", "primary": "小学", "junior": "初中", "senior": "高中", "vocational": "中专/技校",
    "college": "大专", "bachelor": "本科", "postgraduate": "研究生",
    # employment
    "employed": "已就业", "flexible": "灵活就业", "self_employed": "自主创业", "unemployed": "失业",
    "retired": "退休", "student": "在校学生", "unable": "无劳动能力",
    # outcomes
    "met": "已见面", "not_home": "不在家", "refused": "拒绝", "moved_away": "已搬离",
    # service items
    "unemployment_registration": "失业登记",
    "insurance_claim": "失业保险金申领",
    "employment_certificate": "就业登记证",
    "reemployment_certificate": "再就业优惠证",
    "vacancy_information": "岗位信息与招聘",
    "guidance_training_information": "职业指导与培训信息",
    "policy_consultation": "政策咨询",
    "unemployment_period": "失业期认定",
    "special_subsidy": "专项补贴",
    # hours
    "full_time": "全日制", "part_time": "非全日制", "shifts": "倒班",
    # referral
    "referred": "已推荐", "interviewed": "已面试", "hired": "已录用", "not_hired": "未录用",
    "declined": "本人放弃", "no_show": "未到场",
    # hardship flags
    "zero_employment": "零就业家庭", "double_unemployed": "双失业", "single_parent": "单亲家庭",
    "low_income": "低保", "relocated": "棚改回迁",
}


def label_zh(code: str | None) -> str:
    """The Chinese label of a code, or the code itself when it has none."""
    if code is None:
        return ""
    return LABELS_ZH.get(str(code), str(code))


# Relations to the head of household as ledgers and older records wrote them, in the words people say.
RELATION_WORDS = {"子": "儿子", "女": "女儿", "父": "父亲", "母": "母亲", "妻": "配偶", "夫": "配偶"}


def relation_zh(relation: str | None) -> str:
    """A relation to the head of household as it reads beside sex and age: "女" is 女儿, never 女 · 4 岁 · 女."""
    text = (relation or "").strip()
    return RELATION_WORDS.get(text, text)
