"""The occupation list shipped with the app: groups, codes and the picker's search."""
from __future__ import annotations

import re

import pytest

from shared.occupations import (
    MAJOR_GROUPS,
    MIDDLE_GROUPS,
    PUBLIC_WELFARE_POST_TYPES,
    by_major_group,
    group_name,
    occupation_by_code,
    occupation_name,
    occupations,
    search_occupations,
)


def test_eight_major_groups_and_well_formed_unique_codes():
    assert list(MAJOR_GROUPS) == [str(i) for i in range(1, 9)]
    codes = [o.code for o in occupations()]
    assert len(codes) == len(set(codes)) >= 150
    assert all(re.fullmatch(r"[1-8]-\d{2}-\d{2}-\d{2}", c) for c in codes)
    assert all(o.middle in MIDDLE_GROUPS for o in occupations())
    assert len({o.name for o in occupations()}) == len(codes)
    assert sum(len(v) for v in by_major_group().values()) == len(codes)


@pytest.mark.parametrize(
    "name",
    ["家政服务员", "保洁员", "保安员", "育婴员", "养老护理员", "收银员", "快递员", "电工", "焊工", "厨师",
     "中式面点师", "汽车驾驶员", "仓储管理员", "营业员", "客服", "计算机操作员"],
)
def test_the_common_occupations_are_found_first_by_name(name):
    assert name in search_occupations(name)[0].name


def test_public_welfare_post_types_map_to_listed_occupations():
    labels = [label for label, _ in PUBLIC_WELFARE_POST_TYPES]
    assert {"保洁", "保安", "绿化", "社区协管", "交通协管"} <= set(labels)
    assert all(occupation_by_code(code) for _, code in PUBLIC_WELFARE_POST_TYPES)


def test_search_by_keyword_code_and_pinyin():
    assert search_occupations("保姆")[0].code == "4-10-01-06"
    assert search_occupations("4-07-05")[0].name == "保安员"
    assert search_occupations("bj")[0].name == "保洁员"
    assert search_occupations("yanglao")[0].name == "养老护理员"
    assert search_occupations("no such thing") == []
    assert len(search_occupations("", limit=5)) == 5


def test_names_of_codes_and_groups():
    assert occupation_name("4-10-01-06") == "家政服务员"
    assert occupation_name("4-10") == "居民服务人员"
    assert occupation_name("6") == "生产制造及有关人员"
    assert occupation_name("9-99-99-99") == "" and occupation_name(None) == ""
    assert group_name("4-10-01-06") == "居民服务人员"
