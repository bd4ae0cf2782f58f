"""Explainable job matching: rank open vacancies for a resident, or residents for a vacancy.

Pure and fast: features of each vacancy are computed once (``VacancyIndex``),
a resident's once per call (``Seeker``); a pair is then a handful of integer
comparisons. Every suggestion carries its reasons in Chinese.

Hard rules (a pair that breaks one is excluded, with the reason when asked):
- the vacancy is closed, expired (``valid_until`` before today) or filled
  (``filled`` ≥ ``openings``);
- the person is not looking for work: employed in any form, retired, a
  student, without working ability, or ``able_to_work`` is False;
- age (from ``birth_date`` on today) outside ``[age_min, age_max]``;
- education below ``education_min`` (``shared.vocab.EDUCATION_RANK``);
- the vacancy requires skills and the person's recorded skills include *none*
  of them. "Any", not "all": skills are free words noted at the door ("电工"
  vs "电工证"), so only a person who shares no required skill plainly lacks
  them; each required skill the person has adds to the score instead.
Unknown facts never exclude (no birth date, no education, no skills
recorded): the suggestion says what to ask ("需确认技能: 电工证").

Score (points, each factor adds one reason; negative ones say why a fit is weak):
- occupation: a wished code equal to the vacancy's +30, same minor group +20,
  same middle group +12, same major group +5;
- skills: +10 per required skill the person has (at most +20); with no
  required skill matched, a skill naming the occupation or title +8;
- wage: the vacancy's minimum ≥ the person's minimum wish +15; only its
  maximum ≥ the wish +8; below the wish −15;
- hours: as wished +8; acceptable (倒班 for full-time, 非全日制 for flexible) +4; otherwise −5;
- distance (haversine between home and the vacancy, when both positions are
  known): within the wished maximum +10, beyond it −10; no maximum wished and
  within 3 km +6;
- same community +8;
- training wish naming the occupation, title or a required skill +6;
- a re-employment assistance base for a registered unemployed or hardship person +4.

Hardship (zero-employment household, the 40/50 group — women ≥ 40, men ≥ 50 —
and people with a disability) on a public-welfare post: each group the person
belongs to is a reason ("零就业家庭优先") and one ``priority`` step. For a
vacancy, residents are ordered by priority first, so hardship people come first
whatever their score; for a resident, each step adds +15 to a public-welfare
post's score, lifting it without burying a much better fit.
Ties are broken by id, so the order is deterministic.
"""
from __future__ import annotations

import heapq
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from shared.occupations import major_of, middle_of, minor_of, occupation_by_code
from shared.validation import age_on
from shared.vocab import EDUCATION_RANK, EMPLOYED_STATUSES, label_zh

W_OCCUPATION = (30, 20, 12, 5)  # same code, same minor, same middle, same major group
W_SKILL, W_SKILL_MAX, W_SKILL_TOPIC = 10, 20, 8
W_WAGE_MIN, W_WAGE_MAX, W_WAGE_BELOW = 15, 8, -15
W_HOURS, W_HOURS_OK, W_HOURS_BAD = 8, 4, -5
W_NEAR, W_FAR, W_CLOSE_NO_WISH, CLOSE_KM = 10, -10, 6, 3.0
W_COMMUNITY, W_TRAINING, W_BASE = 8, 6, 4
W_HARDSHIP_FOR_RESIDENT = 15
EARTH_RADIUS_KM = 6371.0088

_EMPLOYED = frozenset(s.value for s in EMPLOYED_STATUSES)
_NOT_LOOKING = {"retired": "已退休", "student": "在校学生", "unable": "无劳动能力"}
_HOURS_OK = {("full_time", "shifts"), ("shifts", "full_time"), ("flexible", "part_time"), ("part_time", "flexible"),
             ("flexible", "shifts")}
_EDU_RANK = {e.value: r for e, r in EDUCATION_RANK.items()}
_EDU_CODES = {r: e.value for e, r in EDUCATION_RANK.items()}


@dataclass
class Suggestion:
    """One ranked pair: ``target_id`` is the vacancy's id (for a resident) or the resident's (for a vacancy)."""

    target_id: str
    score: int
    reasons: list[str] = field(default_factory=list)
    priority: int = 0  # hardship steps on a public-welfare post
    excluded: bool = False
    exclusions: list[str] = field(default_factory=list)  # why it is excluded (hard rules)


def _get(row: Mapping[str, Any] | object, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        value = row.get(name, default)
    else:
        value = getattr(row, name, default)
    return default if value is None else value


def fold(text: str) -> str:
    """A word as compared: NFKC, case-folded, without spaces."""
    return unicodedata.normalize("NFKC", str(text)).casefold().replace(" ", "").strip()


def _same_skill(a: str, b: str) -> bool:
    """Two folded skill words name the same skill: equal, or one contains the other (2+ characters)."""
    return a == b or (len(a) >= 2 and len(b) >= 2 and (a in b or b in a))


def _code(value: Any) -> str:
    return str(getattr(value, "value", value)) if value is not None else ""


def unit_vector(lat: Any, lon: Any) -> tuple[float, float, float] | None:
    """A position on the unit sphere; None when latitude or longitude is missing."""
    if lat is None or lon is None:
        return None
    phi, lam = math.radians(float(lat)), math.radians(float(lon))
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def _chord2(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2


def chord2_of_km(km: float) -> float:
    """The squared chord between two points ``km`` apart on the sphere (monotone in km)."""
    return (2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)) ** 2


def distance_km(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """Great-circle distance between two ``unit_vector`` positions.

    The haversine formula in vector form: hav(θ) = chord² / 4, so
    θ = 2·asin(chord / 2), exactly; comparing squared chords with
    ``chord2_of_km`` decides "within k km" without trigonometry per pair.
    """
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(_chord2(a, b)) / 2))


def _yuan(amount: int) -> str:
    return f"{amount:,}"


# --- features ------------------------------------------------------------------------


class VacancyFeatures:
    """What matching needs of one vacancy, computed once."""

    __slots__ = (
        "id", "row", "closed", "full", "until", "code", "minor", "middle", "major", "occupation",
        "wage_min", "wage_max", "hours", "pos", "community_id", "age_min", "age_max", "edu_min",
        "skills", "skill_labels", "occ_words", "occ_key", "title_word", "topic", "public_welfare", "assistance_base",
        "order",
    )

    def __init__(self, vacancy: Mapping[str, Any] | object) -> None:
        self.row = vacancy
        self.id = str(_get(vacancy, "id", ""))
        self.closed = bool(_get(vacancy, "closed", False))
        self.full = int(_get(vacancy, "filled", 0)) >= int(_get(vacancy, "openings", 1))
        until = _get(vacancy, "valid_until")
        self.until = until.toordinal() if until is not None else None
        self.code = str(_get(vacancy, "occupation_code", ""))
        self.minor, self.middle, self.major = minor_of(self.code), middle_of(self.code), major_of(self.code)
        known = occupation_by_code(self.code)
        self.occupation = str(_get(vacancy, "occupation_name", "")) or (known.name if known else "")
        self.wage_min = _get(vacancy, "wage_min")
        self.wage_max = _get(vacancy, "wage_max")
        self.hours = _code(_get(vacancy, "hours")) or None
        self.pos = unit_vector(_get(vacancy, "latitude"), _get(vacancy, "longitude"))
        self.community_id = _get(vacancy, "community_id")
        self.age_min = _get(vacancy, "age_min")
        self.age_max = _get(vacancy, "age_max")
        edu = _code(_get(vacancy, "education_min"))
        self.edu_min = _EDU_RANK.get(edu, 0)
        labels = [str(s).strip() for s in _get(vacancy, "skills_required", ()) if str(s).strip()]
        self.skill_labels = tuple(labels)
        self.skills = tuple(fold(s) for s in labels)
        # the words naming the job: the occupation's (shared by every vacancy of that occupation) and the title
        words = [self.occupation, *(known.keywords if known else ())]
        self.occ_words = tuple(w for w in (fold(x) for x in words) if len(w) >= 2)
        self.occ_key = f"{self.code}|{self.occupation}"
        title = fold(_get(vacancy, "title", ""))
        self.title_word = title if len(title) >= 2 else ""
        self.topic = self.occ_words + ((self.title_word,) if self.title_word else ())
        self.public_welfare = bool(_get(vacancy, "public_welfare", False))
        self.assistance_base = bool(_get(vacancy, "assistance_base", False))
        self.order = 0  # position in id order inside a VacancyIndex (ties are broken by id)

    def is_open(self, today_ordinal: int) -> bool:
        return not self.closed and not self.full and (self.until is None or self.until >= today_ordinal)


class VacancyIndex:
    """Vacancies prepared for matching once; reuse it for every resident of a session."""

    def __init__(self, vacancies: Iterable[Mapping[str, Any] | object]) -> None:
        self.features = sorted((VacancyFeatures(v) for v in vacancies), key=lambda f: f.id)
        for order, features in enumerate(self.features):
            features.order = order
        self.by_id = {f.id: f for f in self.features}
        self._open: tuple[int, list[VacancyFeatures]] | None = None

    def __len__(self) -> int:
        return len(self.features)

    def open_on(self, today: date) -> list[VacancyFeatures]:
        """The vacancies open on ``today`` (cached for the last day asked)."""
        ordinal = today.toordinal()
        if self._open is None or self._open[0] != ordinal:
            self._open = (ordinal, [f for f in self.features if f.is_open(ordinal)])
        return self._open[1]


class Seeker:
    """What matching needs of one resident (and their household), computed once per call."""

    __slots__ = (
        "id", "row", "not_looking", "age", "edu", "skills", "skill_labels", "wish_codes", "wish_minors",
        "wish_middles", "wish_majors", "min_wage", "hours", "max_km", "max_chord2", "pos", "community_id", "training",
        "registered", "hardship", "hours_points", "memo", "training_memo", "occupation_memo",
    )

    def __init__(
        self,
        resident: Mapping[str, Any] | object,
        *,
        today: date,
        household: Mapping[str, Any] | object | None = None,
        home: tuple[float, float] | None = None,
    ) -> None:
        self.row = resident
        self.id = str(_get(resident, "id", ""))
        status = _code(_get(resident, "employment_status"))
        if status in _EMPLOYED:
            self.not_looking: str | None = "本人已就业"
        elif status in _NOT_LOOKING:
            self.not_looking = _NOT_LOOKING[status]
        elif _get(resident, "able_to_work") is False:
            self.not_looking = "无劳动能力或就业意愿"
        else:
            self.not_looking = None
        birth = _get(resident, "birth_date")
        self.age = age_on(birth, today) if birth is not None and birth <= today else None
        edu = _code(_get(resident, "education"))
        self.edu = _EDU_RANK.get(edu) if edu else None
        labels = [str(s).strip() for s in _get(resident, "skills", ()) if str(s).strip()]
        self.skill_labels = {fold(s): s for s in labels}
        self.skills = tuple(self.skill_labels)
        codes = [str(c) for c in _get(resident, "job_wish_occupations", ()) if c]
        self.wish_codes = frozenset(codes)
        self.wish_minors = frozenset(m for m in map(minor_of, codes) if m)
        self.wish_middles = frozenset(m for m in map(middle_of, codes) if m)
        self.wish_majors = frozenset(m for m in map(major_of, codes) if m)
        self.min_wage = _get(resident, "job_wish_min_wage")
        self.hours = _code(_get(resident, "job_wish_hours")) or None
        self.max_km = _get(resident, "job_wish_max_distance_km")
        self.max_chord2 = chord2_of_km(self.max_km if self.max_km is not None else CLOSE_KM)
        if home is None and household is not None and _get(household, "latitude") is not None:
            home = (_get(household, "latitude"), _get(household, "longitude"))
        self.pos = unit_vector(*home) if home is not None else None
        self.community_id = _get(resident, "community_id") or (
            _get(household, "community_id") if household is not None else None
        )
        training = fold(_get(resident, "training_wish", ""))
        self.training = training if len(training) >= 2 else ""
        self.registered = bool(_get(resident, "unemployment_registered", False))
        self.hardship = _hardship(resident, household, self.age)
        self.hours_points = {self.hours: W_HOURS, **{b: W_HOURS_OK for a, b in _HOURS_OK if a == self.hours}}
        # memos: vacancies share a small vocabulary of occupations and words, so these stay small
        self.memo: dict[str, bool] = {}  # skill word → the person has it
        self.training_memo: dict[str, bool] = {}  # word → the training wish names it
        self.occupation_memo: dict[str, tuple[int, bool, bool]] = {}  # occ_key → _occupation_facts


def _hardship(resident: Mapping[str, Any] | object, household: Mapping[str, Any] | object | None,
              age: int | None) -> tuple[str, ...]:
    reasons = []
    if household is not None and _get(household, "zero_employment", False):
        reasons.append("零就业家庭优先")
    sex = _code(_get(resident, "sex"))
    if age is not None and ((sex == "female" and age >= 40) or (sex == "male" and age >= 50)):
        reasons.append("4050人员优先")
    if _get(resident, "disability", False):
        reasons.append("残疾人优先")
    return tuple(reasons)


# --- one pair ----------------------------------------------------------------------


def _knows(s: Seeker, word: str) -> bool:
    """Whether one of the person's skills names ``word`` (memoised: vacancies share a small vocabulary)."""
    known = s.memo.get(word)
    if known is None:
        known = s.memo[word] = any(_same_skill(word, p) for p in s.skills)
    return known


def _exclusions(s: Seeker, v: VacancyFeatures, today: int) -> list[str]:
    """Every hard rule the pair breaks, in Chinese (empty when none)."""
    out: list[str] = []
    if v.closed:
        out.append("岗位已关闭")
    if v.full:
        out.append("岗位已招满")
    if v.until is not None and v.until < today:
        out.append(f"岗位已过期（有效期至 {date.fromordinal(v.until).isoformat()}）")
    if s.not_looking:
        out.append(s.not_looking)
    if s.age is not None and (
        (v.age_min is not None and s.age < v.age_min) or (v.age_max is not None and s.age > v.age_max)
    ):
        low = v.age_min if v.age_min is not None else ""
        high = v.age_max if v.age_max is not None else ""
        out.append(f"年龄 {s.age} 岁，不在 {low}–{high} 岁")
    if s.edu is not None and s.edu < v.edu_min:
        out.append(f"学历{label_zh(_EDU_CODES[s.edu])}，低于要求{label_zh(_EDU_CODES[v.edu_min])}")
    if v.skills and s.skills and not any(_knows(s, r) for r in v.skills):
        out.append("缺少所需技能: " + "、".join(v.skill_labels))
    return out


# Factors that depend on the vacancy through its occupation code, or through its
# words (occupation, title, required skills), are computed once per distinct value
# for a person and memoised; the rest are a few comparisons per pair.


def _occupation_fit(s: Seeker, v: VacancyFeatures) -> tuple[int, str | None]:
    if not s.wish_codes or not v.code:
        return 0, None
    if v.code in s.wish_codes:
        return W_OCCUPATION[0], f"工种对口: {v.occupation}"
    if v.minor and v.minor in s.wish_minors:
        return W_OCCUPATION[1], f"工种相近: {v.occupation}"
    if v.middle and v.middle in s.wish_middles:
        return W_OCCUPATION[2], f"同类工种: {v.occupation}"
    if v.major in s.wish_majors:
        return W_OCCUPATION[3], f"同大类工种: {v.occupation}"
    return 0, None


def _trains(s: Seeker, word: str) -> bool:
    """Whether the training wish names ``word`` (memoised like ``_knows``)."""
    hit = s.training_memo.get(word)
    if hit is None:
        hit = s.training_memo[word] = _same_skill(s.training, word)
    return hit


def _word_fit(s: Seeker, v: VacancyFeatures, explain: bool = False) -> tuple[int, list[str]]:
    """Skills against the required skills (or the occupation and title), and the training wish."""
    points, reasons = 0, []
    if v.skills and not s.skills:
        if explain:
            reasons.append("需确认技能: " + "、".join(v.skill_labels))
    elif s.skills:
        matched = [i for i, r in enumerate(v.skills) if _knows(s, r)]
        if matched:
            points += min(W_SKILL_MAX, W_SKILL * len(matched))
            if explain:
                reasons.append("技能匹配: " + "、".join(v.skill_labels[i] for i in matched))
        elif any(_knows(s, t) for t in v.topic):
            points += W_SKILL_TOPIC
            if explain:
                topical = [label for p, label in s.skill_labels.items() if any(_same_skill(p, t) for t in v.topic)]
                reasons.append("技能匹配: " + "、".join(topical))
    if s.training and (any(_trains(s, w) for w in v.topic) or any(_trains(s, w) for w in v.skills)):
        points += W_TRAINING
        if explain:
            reasons.append(f"培训意向: {_get(s.row, 'training_wish')}")
    return points, reasons


def _occupation_facts(s: Seeker, v: VacancyFeatures) -> tuple[int, bool, bool]:
    """Per occupation, for one person: occupation points, a skill naming it, the training wish naming it."""
    return (_occupation_fit(s, v)[0], any(_knows(s, w) for w in v.occ_words),
            bool(s.training) and any(_trains(s, w) for w in v.occ_words))


def _fast(s: Seeker, v: VacancyFeatures, today: int) -> Optional[int]:
    """None when the pair breaks a hard rule, else its score without reasons.

    The fast form of ``_exclusions`` and ``_explained_score`` (the same rules,
    no text, memoised factors); the tests hold the three to agreeing.
    """
    if (
        v.closed
        or v.full
        or (v.until is not None and v.until < today)
        or s.not_looking is not None
        or (s.age is not None and ((v.age_min is not None and s.age < v.age_min)
                                   or (v.age_max is not None and s.age > v.age_max)))
        or (s.edu is not None and s.edu < v.edu_min)
    ):
        return None
    facts = s.occupation_memo.get(v.occ_key)
    if facts is None:
        facts = s.occupation_memo[v.occ_key] = _occupation_facts(s, v)
    score = facts[0]
    if v.skills:
        if s.skills:
            matched = 0
            for word in v.skills:
                if _knows(s, word):
                    matched += 1
            if not matched:
                return None  # none of the required skills
            score += min(W_SKILL_MAX, W_SKILL * matched)
    elif s.skills and (facts[1] or (v.title_word and _knows(s, v.title_word))):
        score += W_SKILL_TOPIC
    if s.training:
        wanted = facts[2] or (v.title_word and _trains(s, v.title_word))
        if not wanted:
            for word in v.skills:
                if _trains(s, word):
                    wanted = True
                    break
        if wanted:
            score += W_TRAINING
    if s.min_wage is not None:
        if v.wage_min is not None and v.wage_min >= s.min_wage:
            score += W_WAGE_MIN
        elif v.wage_max is not None and v.wage_max >= s.min_wage:
            score += W_WAGE_MAX
        elif v.wage_min is not None or v.wage_max is not None:
            score += W_WAGE_BELOW
    if s.hours and v.hours:
        score += s.hours_points[v.hours] if v.hours in s.hours_points else W_HOURS_BAD
    if s.pos is not None and v.pos is not None:
        a, b = s.pos, v.pos
        near = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2 <= s.max_chord2
        if s.max_km is not None:
            score += W_NEAR if near else W_FAR
        elif near:
            score += W_CLOSE_NO_WISH
    if s.community_id and s.community_id == v.community_id:
        score += W_COMMUNITY
    if v.assistance_base and (s.registered or s.hardship):
        score += W_BASE
    return score


def _explained_score(s: Seeker, v: VacancyFeatures) -> tuple[int, int, list[str]]:
    """(score, hardship priority, reasons) of a pair that passed the hard rules."""
    score, reason = _occupation_fit(s, v)
    reasons = [reason] if reason else []
    points, word_reasons = _word_fit(s, v, explain=True)
    score += points
    reasons.extend(word_reasons)
    if s.min_wage is not None and (v.wage_min is not None or v.wage_max is not None):
        if v.wage_min is not None and v.wage_min >= s.min_wage:
            score += W_WAGE_MIN
            reasons.append(f"工资 {_yuan(v.wage_min)} ≥ 期望 {_yuan(s.min_wage)}")
        elif v.wage_max is not None and v.wage_max >= s.min_wage:
            score += W_WAGE_MAX
            reasons.append(f"工资最高 {_yuan(v.wage_max)} ≥ 期望 {_yuan(s.min_wage)}")
        else:
            score += W_WAGE_BELOW
            top = max(w for w in (v.wage_min, v.wage_max) if w is not None)
            reasons.append(f"工资 {_yuan(top)} 低于期望 {_yuan(s.min_wage)}")
    if s.hours and v.hours:
        if s.hours == v.hours:
            score += W_HOURS
            reasons.append(f"工时相符: {label_zh(v.hours)}")
        elif (s.hours, v.hours) in _HOURS_OK:
            score += W_HOURS_OK
            reasons.append(f"工时可接受: {label_zh(v.hours)}")
        else:
            score += W_HOURS_BAD
            reasons.append(f"工时不符: 期望{label_zh(s.hours)}，岗位{label_zh(v.hours)}")
    if s.pos is not None and v.pos is not None:
        near = _chord2(s.pos, v.pos) <= s.max_chord2
        km = distance_km(s.pos, v.pos)
        if s.max_km is not None:
            score += W_NEAR if near else W_FAR
            reasons.append(f"距离 {km:.1f} 公里 ≤ {s.max_km:g} 公里" if near
                           else f"距离 {km:.1f} 公里 > 期望 {s.max_km:g} 公里")
        elif near:
            score += W_CLOSE_NO_WISH
            reasons.append(f"距离 {km:.1f} 公里")
    if s.community_id and s.community_id == v.community_id:
        score += W_COMMUNITY
        reasons.append("同社区")
    if v.assistance_base and (s.registered or s.hardship):
        score += W_BASE
        reasons.append("再就业援助基地")
    priority = 0
    if v.public_welfare and s.hardship:
        priority = len(s.hardship)
        reasons.extend(s.hardship)
        reasons.append("公益性岗位")
    return score, priority, reasons


# --- ranking --------------------------------------------------------------------------


def explain_pair(s: Seeker, v: VacancyFeatures, *, today: date, for_resident: bool) -> Suggestion:
    """The full suggestion (reasons and every exclusion) of one pair."""
    target = v.id if for_resident else s.id
    exclusions = _exclusions(s, v, today.toordinal())
    if exclusions:
        return Suggestion(target, 0, [], 0, True, exclusions)
    score, priority, reasons = _explained_score(s, v)
    if for_resident:
        score += W_HARDSHIP_FOR_RESIDENT * priority
    return Suggestion(target, score, reasons, priority)


def rank_vacancies(
    resident: Mapping[str, Any] | object,
    vacancies: VacancyIndex | Iterable[Mapping[str, Any] | object],
    *,
    today: date,
    household: Mapping[str, Any] | object | None = None,
    home: tuple[float, float] | None = None,
    top: int | None = 10,
    include_excluded: bool = False,
) -> list[Suggestion]:
    """The best open vacancies for a resident, best first (at most ``top``; None for all).

    ``home`` is the household's (latitude, longitude) when known. With
    ``include_excluded`` the excluded vacancies follow, flagged, each with its
    reasons.
    """
    index = vacancies if isinstance(vacancies, VacancyIndex) else VacancyIndex(vacancies)
    seeker = Seeker(resident, today=today, household=household, home=home)
    ordinal = today.toordinal()
    candidates = index.features if include_excluded else index.open_on(today)
    # Keys are plain ints, -(score)·n + position in id order, so the heap compares ints only.
    n = len(index.features)
    keys: list[int] = []
    rejected: list[VacancyFeatures] = []
    if seeker.not_looking is not None and not include_excluded:
        return []
    bonus = W_HARDSHIP_FOR_RESIDENT * len(seeker.hardship)
    for v in candidates:
        score = _fast(seeker, v, ordinal)
        if score is None:
            if include_excluded:
                rejected.append(v)
            continue
        if v.public_welfare:
            score += bonus
        keys.append(-score * n + v.order)
    best = heapq.nsmallest(top, keys) if top is not None else sorted(keys)
    out = [explain_pair(seeker, index.features[key % n], today=today, for_resident=True) for key in best]
    out.extend(explain_pair(seeker, v, today=today, for_resident=True) for v in rejected)
    return out


def rank_residents(
    vacancy: Mapping[str, Any] | object | VacancyFeatures,
    residents: Iterable[Mapping[str, Any] | object],
    *,
    today: date,
    households: Mapping[str, Mapping[str, Any] | object] | None = None,
    homes: Mapping[str, tuple[float, float]] | None = None,
    top: int | None = None,
    include_excluded: bool = False,
) -> list[Suggestion]:
    """The residents looking for work who fit a vacancy, best first.

    ``households`` and ``homes`` are keyed by household id. Hardship people
    come first on a public-welfare post (``priority``), then by score.
    """
    v = vacancy if isinstance(vacancy, VacancyFeatures) else VacancyFeatures(vacancy)
    ordinal = today.toordinal()
    households = households or {}
    homes = homes or {}
    scored: list[tuple[int, int, str, Seeker]] = []
    rejected: list[Seeker] = []
    for resident in residents:
        household_id = _get(resident, "household_id")
        s = Seeker(resident, today=today, household=households.get(household_id), home=homes.get(household_id))
        score = _fast(s, v, ordinal)
        if score is None:
            if include_excluded:
                rejected.append(s)
            continue
        scored.append((-len(s.hardship) if v.public_welfare else 0, -score, s.id, s))
    best = heapq.nsmallest(top, scored) if top is not None else sorted(scored)
    out = [explain_pair(s, v, today=today, for_resident=False) for *_, s in best]
    out.extend(explain_pair(s, v, today=today, for_resident=False) for s in sorted(rejected, key=lambda x: x.id))
    return out


def rank_all(
    residents: Sequence[Mapping[str, Any] | object],
    index: VacancyIndex,
    *,
    today: date,
    households: Mapping[str, Mapping[str, Any] | object] | None = None,
    homes: Mapping[str, tuple[float, float]] | None = None,
    top: int = 10,
) -> dict[str, list[Suggestion]]:
    """Top vacancies for each resident of a list (a community's job seekers), keyed by resident id."""
    households = households or {}
    homes = homes or {}
    out = {}
    for resident in residents:
        household_id = _get(resident, "household_id")
        out[str(_get(resident, "id"))] = rank_vacancies(
            resident, index, today=today, household=households.get(household_id), home=homes.get(household_id), top=top
        )
    return out
