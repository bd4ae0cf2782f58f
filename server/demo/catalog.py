"""Fixed tables the demo data is drawn from: invented places, plausible occupations, skills and texts.

The district and its streets are invented; the region codes are real-looking
codes of a Liaoning district (2104xx), which is all ``validate_id_number``
checks. Occupation codes are a subset of ``shared.occupations`` (the app's
list, in the style of China's occupational classification, "4-10-01-06").
"""
from __future__ import annotations

DISTRICT_NAME = "抚阳市新安区"
DISTRICT_CODE = "210402"
# Region codes found on residents' ID numbers (where they were first registered), with weights.
REGION_CODES: tuple[tuple[str, int], ...] = (
    ("210402", 60), ("210403", 10), ("210404", 8), ("210411", 6), ("210421", 6), ("210422", 4),
    ("210423", 3), ("210102", 2), ("211002", 1),
)
# Map centre of the district (latitude, longitude): visits' GPS and vacancies are placed around it.
CENTRE = (41.872, 123.905)

# street -> communities (name, relocated 棚改回迁), each with two estates (小区) and one road.
STREETS: tuple[tuple[str, tuple[tuple[str, bool, tuple[str, str], str], ...]], ...] = (
    ("永安街道", (
        ("永安社区", False, ("永安小区", "光明里"), "永安路"),
        ("福民社区", False, ("福民花园", "建设小区"), "福民街"),
    )),
    ("榆林街道", (
        ("榆林社区", False, ("榆林新村", "东兴小区"), "榆林路"),
        ("安居社区", True, ("安居新苑一期", "安居新苑二期"), "棚改路"),
    )),
)
GRIDS_PER_COMMUNITY = 4
# What each community's numbers show (server.demo.people._tell_the_story): ``model`` meets the
# full-employment standard over the months of visits (the quarter view), ``overdue`` would but for
# an overdue zero-employment household and a few people not yet visited, ``behind`` misses it on
# re-employment, information and entry.
STORY: dict[str, str] = {"永安社区": "model", "福民社区": "overdue", "榆林社区": "behind", "安居社区": "model"}

# The six coordinators' accounts (username, display name) and how many grids each covers, in grid order.
COORDINATORS: tuple[tuple[str, str, int], ...] = (
    ("zhangwei", "张伟", 4), ("liuyang", "刘洋", 2), ("wangfang", "王芳", 2),
    ("lijing", "李静", 3), ("chenjie", "陈杰", 3), ("zhaomin", "赵敏", 2),
)
MANAGER = ("sunli", "孙丽")
ADMIN = ("admin", "系统管理员")
DEMO_PASSWORD = "demo1234"

SKILLS: tuple[str, ...] = ("家政", "保洁", "电工", "焊工", "厨师", "驾驶", "保安", "护理", "收银", "仓储", "维修", "电脑操作")

# code, name, skills it uses, typical monthly wage band (yuan), usual hours, minimum education.
# Codes and names are those of shared.occupations (a test holds them equal).
OCCUPATIONS: tuple[tuple[str, str, tuple[str, ...], tuple[int, int], str, str], ...] = (
    ("4-10-01-06", "家政服务员", ("家政", "保洁"), (3500, 6500), "full_time", "none"),
    ("4-10-01-05", "养老护理员", ("护理",), (3500, 6000), "shifts", "junior"),
    ("4-09-08-01", "保洁员", ("保洁",), (2500, 3500), "full_time", "none"),
    ("4-09-08-02", "环卫工", ("保洁",), (2500, 3500), "shifts", "none"),
    ("4-09-10-01", "绿化工", (), (2500, 3800), "full_time", "none"),
    ("4-07-05-01", "保安员", ("保安",), (2800, 4200), "shifts", "junior"),
    ("4-07-05-03", "治安巡逻员", ("保安",), (2600, 3500), "shifts", "junior"),
    ("4-01-02-04", "收银员", ("收银", "电脑操作"), (2800, 4000), "shifts", "senior"),
    ("4-01-02-03", "营业员", ("收银",), (2800, 4500), "full_time", "junior"),
    ("4-03-02-01", "中式烹调师（厨师）", ("厨师",), (4000, 8000), "full_time", "junior"),
    ("4-03-02-05", "餐厅服务员", (), (2800, 4000), "shifts", "junior"),
    ("4-02-02-02", "道路货运汽车驾驶员", ("驾驶",), (5000, 9000), "full_time", "junior"),
    ("4-02-02-01", "汽车驾驶员", ("驾驶",), (4500, 7500), "shifts", "junior"),
    ("4-02-06-01", "仓储管理员", ("仓储", "电脑操作"), (3200, 5000), "full_time", "senior"),
    ("4-02-05-01", "装卸搬运工", ("仓储",), (3500, 5500), "flexible", "none"),
    ("4-02-07-08", "快递员", ("驾驶",), (4000, 8000), "flexible", "junior"),
    ("4-06-01-01", "物业管理员", ("电脑操作",), (3000, 4500), "full_time", "senior"),
    ("6-31-01-03", "电工", ("电工",), (4500, 7500), "full_time", "vocational"),
    ("6-18-02-04", "焊工", ("焊工",), (5000, 9000), "full_time", "vocational"),
    ("4-12-01-01", "汽车维修工", ("维修",), (4000, 7000), "full_time", "vocational"),
    ("4-12-03-01", "家用电器产品维修工", ("维修", "电工"), (3500, 6000), "full_time", "vocational"),
    ("3-01-02-05", "计算机操作员", ("电脑操作",), (3000, 5000), "full_time", "senior"),
    ("4-07-16-02", "社区协管员", ("电脑操作",), (2500, 3200), "full_time", "senior"),
)
OCCUPATION_NAMES: dict[str, str] = {code: name for code, name, *_ in OCCUPATIONS}

# Employer kinds: name suffix, occupation codes it hires, whether it may be a re-employment assistance base.
EMPLOYER_KINDS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("家政服务有限公司", ("4-10-01-06", "4-09-08-01", "4-10-01-05"), True),
    ("物业管理有限公司", ("4-09-08-01", "4-07-05-01", "6-31-01-03", "4-06-01-01", "4-09-10-01"), True),
    ("保安服务有限公司", ("4-07-05-01",), False),
    ("超市有限公司", ("4-01-02-04", "4-01-02-03", "4-02-06-01", "4-02-05-01"), True),
    ("餐饮管理有限公司", ("4-03-02-01", "4-03-02-05"), False),
    ("物流有限公司", ("4-02-02-02", "4-02-06-01", "4-02-05-01", "4-02-07-08"), False),
    ("汽车维修服务有限公司", ("4-12-01-01", "6-31-01-03"), False),
    ("机械制造有限公司", ("6-18-02-04", "6-31-01-03", "4-02-05-01"), False),
    ("养老服务中心", ("4-10-01-05", "4-09-08-01", "4-03-02-01"), True),
    ("家电维修服务部", ("4-12-03-01",), False),
    ("电子商务有限公司", ("3-01-02-05", "4-02-07-08", "4-02-06-01"), False),
    ("客运有限公司", ("4-02-02-01",), False),
)
EMPLOYER_WORDS: tuple[str, ...] = (
    "永安", "福民", "榆林", "安居", "新华", "东兴", "鑫源", "宏达", "金盛", "瑞丰", "惠民", "众合", "德信",
    "兴隆", "广源", "恒通", "久安", "顺达", "康乐", "华强", "利民", "佳美", "盛世", "天和", "润丰",
)
# Public-welfare posts (公益性岗位) are offered by each street's service centre.
PUBLIC_WELFARE_EMPLOYERS: tuple[str, ...] = ("综合服务中心", "环境卫生所")
PUBLIC_WELFARE_POSTS: tuple[tuple[str, str], ...] = (
    ("公益性岗位-社区保洁员", "4-09-08-01"), ("公益性岗位-道路清扫", "4-09-08-02"),
    ("公益性岗位-治安巡逻员", "4-07-05-03"), ("公益性岗位-社区协管员", "4-07-16-02"),
    ("公益性岗位-绿化养护", "4-09-10-01"), ("公益性岗位-养老助餐员", "4-10-01-05"),
)
SHIFTS: dict[str, tuple[str, ...]] = {
    "full_time": ("8:00-17:00，周末双休", "8:30-17:30，月休4天", "9:00-18:00，做五休二"),
    "part_time": ("每天4小时，时间可商量", "上午8:00-12:00", "下午13:00-17:00"),
    "flexible": ("按单计酬，时间自由", "弹性工作制"),
    "shifts": ("两班倒", "三班倒，每班8小时", "做一休一"),
}

RELATIONS = {"head": "户主", "spouse": "配偶", "son": "儿子", "daughter": "女儿", "father": "父亲", "mother": "母亲"}
TRAINING_WISHES: tuple[str, ...] = (
    "家政服务培训", "养老护理培训", "电工上岗证培训", "焊工培训", "中式烹调培训", "电脑操作培训",
    "机动车驾驶培训", "创业培训（SYB）", "育婴师培训",
)
DISABILITY_LEVELS: tuple[str, ...] = ("三级", "四级", "二级")
GUIDANCE_NOTES: tuple[str, ...] = (
    "介绍本街道公益性岗位招聘情况，讲解报名条件",
    "建议参加社区组织的家政服务培训，培训合格后推荐上岗",
    "讲解灵活就业人员社会保险补贴政策及申领流程",
    "帮助梳理求职意向，推荐就近岗位",
    "鼓励参加区人社局每月举办的招聘会",
    "讲解再就业优惠证办理条件，提醒携带材料",
    "结合本人技能，建议从事物业、保洁类工作",
)
VISIT_NOTES: tuple[str, ...] = (
    "", "", "", "核实家庭成员就业情况", "更新联系方式", "本人近期有求职意愿", "暂不考虑外出工作，需照顾老人",
    "已发放政策宣传资料",
)
NOT_HOME_NOTES: tuple[str, ...] = ("敲门无人应答，已留联系卡", "邻居反映白天外出打零工", "电话联系约定下次上门时间")
REFUSED_NOTES: tuple[str, ...] = ("本人表示暂不需要服务", "拒绝提供家庭收入情况")
CONSENT_SCOPE = "就业服务信息采集与岗位推荐"
