"""The peer bench's workload: one grid's households and residents, and later edits of some residents (fixed seed).

Every row is a plain JSON document (``_id``, ``type`` and Doorstep's own field
names), so PouchDB stores exactly what Doorstep's phone saves. Texts are put
through ``shared.validation`` first (what the phone keeps is what PouchDB gets),
ID numbers are valid GB 11643 numbers from ``make_id_number``, and no clock is
read: ages and dates count from ``REFERENCE_DAY``.
"""
from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from shared.validation import make_id_number, normalize_name, normalize_text

SEED = 20261201
REFERENCE_DAY = date(2026, 11, 1)
NAMESPACE = uuid.UUID("2f7c3d1e-8a45-4b6f-9e21-5c0d7a9b3e64")
# The area tree of the one coordinator: fixed ids, so the documents are the same in every run.
AREAS = {level: str(uuid.uuid5(NAMESPACE, level)) for level in ("district", "street", "community", "grid")}

SURNAMES = ("王" * 12 + "李" * 12 + "张" * 11 + "刘" * 10 + "陈" * 9 + "杨" * 6 + "黄" * 5 + "赵" * 5 + "吴" * 4
            + "周" * 4 + "徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
            + "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE_CHARS = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
FEMALE_CHARS = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"
REGIONS = ["420106"] * 14 + ["420102", "420111", "420115", "421281", "429004", "421087", "411502", "430621",
                             "360424", "510722", "341881", "130104", "370882", "320382", "500235", "610524"]
ROADS = ["友谊大道", "和平大道", "中北路", "徐东大街", "秦园路", "才华街"]
ESTATES = ["翠苑小区", "幸福家园", "和谐里", "东湖春晓", "铁机村社区", "南湖花园"]
PHONE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159", "166",
                  "177", "180", "186", "187", "188", "189", "191", "199"]
EMPLOYERS = ["华润万家超市", "武汉市第一医院", "顺丰速运武昌网点", "中建三局", "美团配送站", "武昌区环卫所",
             "东湖物业公司", "长江教育培训中心", "湖北银行", "恒达汽修厂", "家家乐家政服务部", "九州通医药"]
SKILLS = ["家政", "电工", "厨师", "保安", "驾驶", "育婴", "养老护理", "焊工", "美发", "缝纫", "会计", "电脑操作"]
SIZES = [1] * 22 + [2] * 32 + [3] * 26 + [4] * 12 + [5] * 6 + [6] * 2  # about 2.5 people a household

OPENINGS = ["{m}月{d}日入户走访，{who}在家，态度配合。", "本次为{m}月份例行走访，由网格员上门核实家庭情况。",
            "{m}月{d}日电话预约后上门，{who}接待，介绍了社区近期的就业服务。"]
SENTENCES = [
    "家中共有{n}口人，居住条件尚可，房屋为{h}，水电燃气使用正常。",
    "本人身体状况良好，无重大疾病，平时在社区卫生服务中心定期体检。",
    "本人患有高血压，需长期服药，家属表示能按时提醒用药。",
    "近期有求职意愿，希望在附近找一份{job}类的工作，月收入期望在{wage}元左右。",
    "已告知本月{d}日社区招聘会的时间和地点，本人表示会参加。",
    "对职业技能培训比较感兴趣，已登记{skill}培训的报名意向，待街道统一安排。",
    "家庭收入主要依靠{who}的工资，每月约{wage}元，生活基本有保障。",
    "子女在外地上学，每逢假期回家，家中日常由老人照看。",
    "询问了医保和养老保险的缴费情况，均已按时缴纳，无欠费。",
    "提醒注意冬季用电用火安全，检查了楼道内的灭火器，状态正常。",
    "邻里关系和睦，对社区工作总体满意，建议小区增加停车位。",
    "反映楼下路灯损坏已有一周，已记录并转交物业处理。",
    "了解到家中有一位老人行动不便，已介绍居家养老上门服务的申请方式。",
    "本人曾在{job}岗位工作{n}年，因单位搬迁离职，目前正在找工作。",
    "已帮助登记失业信息，说明了失业保险金的申领条件和所需材料。",
    "家庭成员中有一人享受残疾人补贴，补贴按月到账，无异常情况。",
    "建议下次走访时带上就业岗位信息表，便于现场推荐合适的岗位。",
]
FOLLOW_UPS = ["下次走访安排在{m2}月上旬。", "需在两周内电话回访，确认培训报名结果。", "暂无需要跟进的事项。",
              "已约定{m2}月{d}日再次上门，届时带去岗位推荐单。"]
UPDATE_NOTES = ["{m2}月{d}日复访：", "{m2}月{d}日电话回访：", "{m2}月{d}日上门核实信息变更："]


@dataclass
class Workload:
    rows: list[dict]  # households, each followed by its members
    updates: list[dict]  # the same residents' documents as later edited (notes, employment, some phones)

    @property
    def residents(self) -> int:
        return sum(1 for row in self.rows if row["type"] == "resident")

    @property
    def households(self) -> int:
        return sum(1 for row in self.rows if row["type"] == "household")


def _fill(rng: random.Random, template: str, **known: object) -> str:
    values = {"m": rng.randint(1, 10), "m2": rng.randint(11, 12), "d": rng.randint(1, 28), "n": rng.randint(2, 6),
              "wage": rng.choice([2800, 3500, 4000, 4500, 5000, 6000]), "job": rng.choice(["保洁", "仓储", "配送", "收银", "保安", "家政"]),
              "skill": rng.choice(SKILLS), "h": rng.choice(["自有住房", "租住房屋", "公租房"]), "who": "本人"}
    values.update(known)
    return template.format(**values)


def notes_text(rng: random.Random, length: int = 300, opening: str | None = None, **known: object) -> str:
    """About ``length`` characters of a coordinator's visit notes (±10%)."""
    target = length + rng.randint(-length // 10, length // 10)
    text = _fill(rng, opening or rng.choice(OPENINGS), **known)
    for sentence in rng.sample(SENTENCES, len(SENTENCES)):  # each sentence at most once
        if len(text) >= target - 20:
            break
        text += _fill(rng, sentence, **known)
    text = (text + _fill(rng, rng.choice(FOLLOW_UPS), **known))[:target]
    return normalize_text(text.rstrip("，、") + ("" if text.endswith("。") else "。"), field="notes", allow_newlines=True)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _employment(rng: random.Random, age: int, sex: str) -> tuple[str | None, str]:
    if age < 16:
        return ("student", "") if age >= 6 else (None, "")
    if age < 22 and rng.random() < 0.7:
        return "student", ""
    if age >= (60 if sex == "male" else 55) and rng.random() < 0.85:
        return "retired", ""
    status = rng.choices(["employed", "flexible", "self_employed", "unemployed", "unable"], [55, 12, 8, 20, 5])[0]
    return status, rng.choice(EMPLOYERS) if status == "employed" else ""


def _education(rng: random.Random, age: int) -> str | None:
    if age < 7:
        return None
    if age < 16:
        return "primary" if age < 13 else "junior"
    return rng.choices(["primary", "junior", "senior", "vocational", "college", "bachelor", "postgraduate"],
                       [8, 25, 20, 15, 14, 15, 3])[0]


def _person(rng: random.Random, home: dict, surname: str, sex: str, age: int, relation: str) -> dict:
    born = REFERENCE_DAY - timedelta(days=age * 365 + rng.randrange(365))
    seq3 = rng.randrange(100) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "male" else (0, 2, 4, 6, 8))
    chars = MALE_CHARS if sex == "male" else FEMALE_CHARS
    given = "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2, 2))))
    status, employer = _employment(rng, age, sex)
    who = "本人" if relation == "户主" else "户主"
    return {
        "_id": _uuid(rng), "type": "resident", "household_id": home["_id"], "grid_id": AREAS["grid"],
        "community_id": AREAS["community"], "name": normalize_name(surname + given),
        "id_number": make_id_number(rng.choice(REGIONS), born, seq3), "sex": sex, "birth_date": born.isoformat(),
        "phone": _phone(rng) if age >= 16 else None, "relation": relation, "education": _education(rng, age),
        "employment_status": status, "employer_name": employer,
        "skills": sorted(set(rng.sample(SKILLS, rng.choice((0, 0, 1, 2))))), "disability": rng.random() < 0.03,
        "notes": notes_text(rng, who=who),
    }


def _members(rng: random.Random, home: dict, size: int) -> list[dict]:
    surname = rng.choice(SURNAMES)
    head_sex = rng.choice(("male", "male", "female"))
    head_age = rng.randint(25, 85)
    people = [_person(rng, home, surname, head_sex, head_age, "户主")]
    other = "female" if head_sex == "male" else "male"
    if size >= 2 and rng.random() < 0.8:
        people.append(_person(rng, home, rng.choice(SURNAMES), other, max(20, head_age + rng.randint(-6, 6)), "配偶"))
    while len(people) < size:
        sex = rng.choice(("male", "female"))
        if head_age >= 60 and rng.random() < 0.4:
            age, relation = max(0, head_age - rng.randint(48, 62)), "孙子" if sex == "male" else "孙女"
        elif head_age < 50 and rng.random() < 0.25:
            age, relation = min(100, head_age + rng.randint(22, 32)), "父亲" if sex == "male" else "母亲"
        else:
            age, relation = max(0, head_age - rng.randint(22, 36)), "儿子" if sex == "male" else "女儿"
        people.append(_person(rng, home, surname if relation != "母亲" else rng.choice(SURNAMES), sex, age, relation))
    return people


def generate(records: int, updates: int, seed: int = SEED) -> Workload:
    """``records`` residents in households of one grid, then ``updates`` of them edited again."""
    rng = random.Random(seed)
    rows: list[dict] = []
    people: list[dict] = []
    number = 0
    while len(people) < records:
        number += 1
        home = {"_id": _uuid(rng), "type": "household", "grid_id": AREAS["grid"],
                "community_id": AREAS["community"], "street_id": AREAS["street"],
                "address": f"{ROADS[number % len(ROADS)]}{number // 7 + 1}号{rng.choice(ESTATES)}",
                "building": f"{rng.randint(1, 16)}栋", "unit": f"{rng.randint(1, 4)}单元",
                "room": f"{rng.randint(1, 28)}{rng.randint(1, 6):02d}", "low_income": rng.random() < 0.08,
                "notes": ""}
        members = _members(rng, home, rng.choice(SIZES))[: records - len(people)]
        rows.append(home)
        rows += members
        people += members
    edited = []
    for person in rng.sample(people, min(updates, len(people))):
        age = REFERENCE_DAY.year - int(person["birth_date"][:4])
        change = dict(person)
        status, employer = _employment(rng, max(age, 22), person["sex"])
        change["employment_status"], change["employer_name"] = status, employer
        if person["phone"] and rng.random() < 0.3:
            change["phone"] = _phone(rng)
        change["notes"] = notes_text(rng, opening=rng.choice(UPDATE_NOTES), who="本人")
        edited.append(change)
    return Workload(rows, edited)


def write_jsonl(path: Path, docs: list[dict]) -> str:
    """One compact UTF-8 JSON document a line; returns the file's sha256 (the same workload, the same hash)."""
    data = "".join(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n" for doc in docs).encode()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
