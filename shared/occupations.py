"""The occupation list shipped with the app: the 8 major groups of 中华人民共和国职业分类大典 and common occupations.

A code has four levels in the book's style, ``大类-中类-小类-细类`` ("4-10-01-06"
is 家政服务员: major group 4, middle group 4-10, minor group 4-10-01). Matching
treats two codes as close when they share a prefix (``shared.matching``).

The list was written by hand for the jobs coordinators collect in a street
(household services, cleaning, security, catering, logistics, trades) from the
structure of the 2015/2022 editions; it is a working list, not a copy of the
book: check a code against the printed edition before reporting to the ministry.
``keywords`` are the words people say at the door ("保姆", "司机") so the picker
finds the occupation under them.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

MAJOR_GROUPS: dict[str, str] = {
    "1": "党的机关、国家机关、群众团体和社会组织、企事业单位负责人",
    "2": "专业技术人员",
    "3": "办事人员和有关人员",
    "4": "社会生产服务和生活服务人员",
    "5": "农、林、牧、渔业生产及辅助人员",
    "6": "生产制造及有关人员",
    "7": "军队人员",
    "8": "不便分类的其他从业人员",
}

MIDDLE_GROUPS: dict[str, str] = {
    "1-06": "企事业单位负责人",
    "2-02": "工程技术人员",
    "2-05": "卫生专业技术人员",
    "2-06": "经济和金融专业人员",
    "2-07": "法律、社会和宗教专业人员",
    "2-08": "教学人员",
    "2-09": "文学艺术、体育专业人员",
    "3-01": "行政办事及辅助人员",
    "3-02": "安全和消防及辅助人员",
    "3-03": "法律事务及辅助人员",
    "4-01": "批发与零售服务人员",
    "4-02": "交通运输、仓储物流和邮政业服务人员",
    "4-03": "住宿和餐饮服务人员",
    "4-04": "信息传输、软件和信息技术服务人员",
    "4-05": "金融服务人员",
    "4-06": "房地产服务人员",
    "4-07": "租赁和商务服务人员",
    "4-08": "技术辅助服务人员",
    "4-09": "水利、环境和公共设施管理服务人员",
    "4-10": "居民服务人员",
    "4-11": "电力、燃气及水供应服务人员",
    "4-12": "修理及制作服务人员",
    "4-13": "文化、体育和娱乐服务人员",
    "4-14": "健康服务人员",
    "5-01": "农业生产人员",
    "5-02": "林业生产人员",
    "5-03": "畜牧业生产人员",
    "5-04": "渔业生产人员",
    "5-05": "农林牧渔业生产辅助人员",
    "6-01": "农副产品加工人员",
    "6-02": "食品、饮料生产加工人员",
    "6-05": "纺织品、服装和皮革、毛皮制品加工制作人员",
    "6-07": "木材加工、家具与木制品制作人员",
    "6-08": "纸及纸制品生产加工人员",
    "6-09": "印刷和记录媒介复制人员",
    "6-14": "橡胶和塑料制品制造人员",
    "6-18": "机械制造基础加工人员",
    "6-20": "通用设备制造人员",
    "6-22": "汽车制造人员",
    "6-25": "计算机、通信和其他电子设备制造人员",
    "6-28": "电力、热力、气体、水生产和输配人员",
    "6-29": "建筑施工人员",
    "6-30": "运输设备和通用工程机械操作人员及有关人员",
    "6-31": "生产辅助人员",
    "7-00": "军队人员",
    "8-00": "不便分类的其他从业人员",
}

# "code name keyword keyword ..." — one occupation a line, grouped by major group.
_DATA = """
1-06-01-00 企业经理 经理 店长
2-02-10-03 软件工程技术人员 程序员 软件开发
2-02-11-01 建筑和市政设计工程技术人员 设计院
2-05-08-01 护士 护理
2-06-03-00 会计专业人员 会计 出纳 财务
2-07-09-00 社会工作者 社工
2-08-05-00 幼儿教育教师 幼师 幼儿园老师
2-08-04-00 中小学教育教师 教师 老师
2-09-07-00 体育教练员 教练
3-01-02-01 秘书 文秘
3-01-02-03 收发员 收发 前台
3-01-02-04 打字员 录入员 打字
3-01-02-05 计算机操作员 电脑操作 电脑 数据录入 文员
3-01-02-06 档案管理员 档案
3-02-03-01 消防员 消防
3-02-03-02 消防设施操作员 消防控制室 消控
3-03-01-01 法律事务助理 律师助理
4-01-01-01 采购员 采购
4-01-02-01 营销员 销售 推销 业务员
4-01-02-02 电子商务师 电商 网店 直播
4-01-02-03 营业员 售货员 导购 店员
4-01-02-04 收银员 收银
4-01-02-05 摊商 摆摊 个体
4-01-02-06 理货员 理货 上货
4-01-05-01 医药商品购销员 药店 药品销售
4-01-06-01 中药调剂员 抓药
4-01-07-01 二手车经纪人 二手车
4-02-02-01 汽车驾驶员 司机 驾驶员 开车 客运司机
4-02-02-02 道路货运汽车驾驶员 货车司机 货运 卡车
4-02-02-03 道路客运服务员 乘务员 售票员
4-02-02-05 机动车驾驶教练员 驾校教练
4-02-03-01 停车场管理员 停车收费 车场
4-02-05-01 装卸搬运工 搬运 装卸 力工
4-02-06-01 仓储管理员 仓管 库管 仓库
4-02-06-02 物流服务师 物流
4-02-06-03 分拣员 分拣
4-02-07-01 邮政营业员 邮局
4-02-07-04 邮政投递员 投递 邮递员
4-02-07-08 快递员 快递 送件 收派
4-02-07-09 快件处理员 快件分拣
4-02-07-10 网约配送员 外卖 骑手 配送员 跑腿
4-03-01-01 前厅服务员 酒店前台 接待
4-03-01-02 客房服务员 客房 宾馆 酒店
4-03-02-01 中式烹调师（厨师） 厨师 炒菜 大厨 厨子 烹饪
4-03-02-02 中式面点师 面点 包子 饺子 白案 面食
4-03-02-03 西式烹调师 西餐
4-03-02-04 西式面点师 烘焙 蛋糕 面包
4-03-02-05 餐厅服务员 服务员 传菜 饭店
4-03-02-06 营养配餐员 配餐 食堂
4-03-02-07 茶艺师 茶艺 茶馆
4-03-02-08 咖啡师 咖啡
4-03-02-10 厨房帮工 帮厨 洗碗 切配 勤杂
4-04-01-01 信息通信营业员 营业厅
4-04-02-01 信息通信网络线务员 线务 宽带安装 装宽带
4-04-05-01 计算机维修工 电脑维修
4-04-05-02 呼叫中心服务员 话务员 接线员 电话客服
4-04-05-03 互联网营销师 带货 主播
4-04-05-04 数据标注员 数据标注 标注
4-05-01-01 银行综合柜员 银行柜员 柜员
4-05-03-01 保险代理人 保险
4-06-01-01 物业管理员 物业 物管
4-06-01-02 房地产经纪人 中介 房产中介
4-07-02-01 客户服务管理员（客服） 客服 售后 客户服务
4-07-02-02 商务数据分析师 数据分析
4-07-03-01 劳动关系协调员 劳动关系
4-07-03-02 劳动保障协理员 劳动保障 协理员 社保协管
4-07-03-03 职业指导员 就业指导
4-07-03-04 人力资源管理师 人事 招聘
4-07-05-01 保安员 保安 门卫 安保 看门
4-07-05-02 安检员 安检
4-07-05-03 治安巡逻员 巡逻 治安协管 巡防
4-07-05-04 交通协管员 交通协管 协警 交通劝导
4-07-05-05 智能楼宇管理员 楼宇 中控
4-07-07-01 会展服务员 展会 会务
4-07-10-01 市场管理员 市场管理 城管协管 市场协管
4-07-16-01 网格员 社区网格员 网格
4-07-16-02 社区协管员 社区协管 社区服务 协管员 协管
4-07-99-01 包装工 打包 包装
4-08-05-01 检验员 质检 检验
4-09-01-01 河道修防工 河道 巡河
4-09-07-01 垃圾分类员 垃圾分类 分类督导
4-09-08-01 保洁员 保洁 清洁 打扫 卫生 清扫
4-09-08-02 环卫工 环卫 扫马路 清扫工 道路保洁
4-09-08-03 生活垃圾清运工 垃圾清运 清运
4-09-09-01 公共设施维护员 公共设施 设施维护 路灯
4-09-10-01 绿化工 绿化 园林 养护 花木
4-09-10-02 花卉园艺工 园艺 花卉 花店
4-10-01-01 育婴员 育婴 月嫂 带孩子 母婴
4-10-01-02 保育员 保育
4-10-01-03 孤残儿童护理员 儿童护理
4-10-01-04 助残员 助残 残疾人服务
4-10-01-05 养老护理员 养老 护工 老人护理 护理员
4-10-01-06 家政服务员 家政 保姆 钟点工 家务
4-10-01-07 家庭照护员 照护 陪护
4-10-02-01 洗衣师 洗衣 干洗
4-10-02-02 服装缝纫修补工 缝补 改衣
4-10-03-01 美容师 美容
4-10-03-02 美发师 理发 美发 发型
4-10-03-03 美甲师 美甲
4-10-03-04 浴池服务员 浴池 搓澡
4-10-04-01 保健调理师 保健
4-10-04-02 保健按摩师 按摩 推拿 盲人按摩
4-10-04-03 足疗师 足疗 足浴
4-10-06-01 殡仪服务员 殡葬
4-10-07-01 宠物健康护理员 宠物
4-10-08-01 摄影师 摄影 照相
4-11-01-01 电力客户服务员 供电营业 抄表
4-11-03-01 燃气供应服务员 燃气 煤气
4-11-04-01 水供应服务员 供水 自来水
4-12-01-01 汽车维修工 汽修 修车 汽车修理 机修
4-12-01-02 汽车美容装潢工 洗车 汽车美容 贴膜
4-12-02-01 办公设备维修工 复印机维修 打印机
4-12-03-01 家用电器产品维修工 家电维修 空调维修 修家电
4-12-03-02 家用电子产品维修工 手机维修 修手机
4-12-04-01 自行车与电动车维修工 电动车维修 修车铺
4-12-05-01 钟表维修工 修表
4-12-06-01 锁具修理工 开锁 修锁
4-12-07-01 管道维修工 水暖 修水管 通下水
4-13-01-01 文化馆服务员 图书馆 文化站
4-13-04-01 社会体育指导员 健身指导 体育指导
4-13-04-02 游泳救生员 救生员
4-13-05-01 游乐园服务员 游乐场
4-14-01-01 健康管理师 健康管理
4-14-01-02 医疗护理员 医院护工 陪诊
4-14-02-01 公共营养师 营养师
4-14-03-01 康复辅助技术咨询师 康复
5-01-02-01 农艺工 种地 农民 种植
5-01-02-02 蔬菜园艺工 种菜 大棚 蔬菜
5-01-02-03 果树园艺工 果树 果园
5-01-03-01 食用菌生产工 蘑菇 食用菌
5-02-03-01 护林员 护林 森林防火
5-03-01-01 家畜饲养员 养猪 养牛 养羊 饲养
5-03-01-02 家禽饲养员 养鸡 养鸭
5-04-01-01 水产养殖工 养鱼 水产
5-05-01-01 农机驾驶操作员 农机 拖拉机
5-05-01-02 农业经理人 合作社
6-01-01-01 粮油加工工 粮油
6-02-01-01 糕点面包烘焙工 糕点 烘焙工
6-02-02-01 肉制品加工工 肉类加工 屠宰
6-02-06-01 食品检验员 食品检验
6-05-01-01 裁剪工 裁剪 裁床
6-05-01-02 缝纫工 缝纫 车工缝纫 制衣 服装厂
6-05-01-03 服装整烫工 熨烫 整烫
6-05-03-01 鞋类制作工 制鞋 鞋厂
6-07-02-01 家具制作工 木工 家具
6-08-01-01 纸箱纸盒制作工 纸箱
6-09-01-01 印刷操作员 印刷
6-14-02-01 塑料制品成型制作工 注塑 塑料
6-18-01-01 车工 车床
6-18-01-02 铣工 铣床
6-18-01-04 磨工 磨床
6-18-01-08 加工中心操作工 数控 CNC 加工中心
6-18-02-01 铸造工 铸造
6-18-02-02 锻造工 锻造
6-18-02-04 焊工 电焊 气焊 焊接 焊工证
6-18-02-05 冷作钣金工 钣金
6-20-01-01 装配钳工 钳工 装配
6-20-01-02 工具钳工 模具钳工
6-22-02-01 汽车装调工 汽车装配
6-25-04-01 电子设备装接工 电子装配 焊板 插件
6-25-04-02 电子产品制版工 贴片 SMT
6-28-01-01 变配电运行值班员 配电 值班电工
6-28-03-01 锅炉运行值班员 锅炉 司炉
6-29-01-01 砌筑工 瓦工 砌墙 泥瓦
6-29-01-03 混凝土工 混凝土 水泥工
6-29-01-04 钢筋工 钢筋
6-29-01-05 架子工 架子 脚手架
6-29-02-01 防水工 防水
6-29-03-01 管工 水暖工 管道安装
6-29-03-02 电气设备安装工 电气安装 水电工
6-29-04-01 装饰装修工 装修 装潢
6-29-04-02 油漆工 油漆 刷墙 涂料
6-29-04-03 抹灰工 抹灰 贴砖 瓷砖
6-29-04-04 木工（装修） 装修木工 吊顶
6-30-05-01 起重装卸机械操作工 起重 吊车 塔吊
6-30-05-02 叉车司机 叉车
6-30-05-03 挖掘机司机 挖掘机 挖机
6-31-01-01 机修钳工 设备维修 机修钳
6-31-01-03 电工 维修电工 电工证 低压电工
6-31-01-04 电梯安装维修工 电梯
6-31-01-05 制冷空调系统安装维修工 空调安装 制冷
6-31-03-01 质检员 品检 品管
6-31-03-02 包装工（生产线） 生产线包装 流水线
6-31-99-01 普工 操作工 流水线工人 工厂 车间
8-00-00-00 其他从业人员 其他 零工 临时工
"""

# Common public-welfare post types (公益性岗位) a street offers, and the occupation each maps to.
PUBLIC_WELFARE_POST_TYPES: tuple[tuple[str, str], ...] = (
    ("保洁", "4-09-08-01"),
    ("道路清扫", "4-09-08-02"),
    ("保安", "4-07-05-01"),
    ("治安巡逻", "4-07-05-03"),
    ("交通协管", "4-07-05-04"),
    ("绿化", "4-09-10-01"),
    ("社区协管", "4-07-16-02"),
    ("网格员", "4-07-16-01"),
    ("劳动保障协管", "4-07-03-02"),
    ("城管/市场协管", "4-07-10-01"),
    ("垃圾分类督导", "4-09-07-01"),
    ("公共设施维护", "4-09-09-01"),
    ("停车管理", "4-02-03-01"),
    ("养老服务", "4-10-01-05"),
    ("助残服务", "4-10-01-04"),
)


@dataclass(frozen=True)
class Occupation:
    code: str  # "4-10-01-06"
    name: str  # "家政服务员"
    keywords: tuple[str, ...] = ()

    @property
    def major(self) -> str:
        return major_of(self.code)

    @property
    def middle(self) -> str:
        return middle_of(self.code)

    @property
    def minor(self) -> str:
        return minor_of(self.code)

    @property
    def label(self) -> str:
        """What the picker shows: "4-10-01-06 家政服务员"."""
        return f"{self.code} {self.name}"


def major_of(code: str) -> str:
    """The major group of a code ("4-10-01-06" → "4"), "" for an empty code."""
    return code.split("-", 1)[0] if code else ""


def middle_of(code: str) -> str:
    """The middle group of a code ("4-10-01-06" → "4-10"), "" when the code has no middle level."""
    parts = code.split("-")
    return "-".join(parts[:2]) if len(parts) >= 2 else ""


def minor_of(code: str) -> str:
    """The minor group of a code ("4-10-01-06" → "4-10-01")."""
    parts = code.split("-")
    return "-".join(parts[:3]) if len(parts) >= 3 else ""


@cache
def occupations() -> tuple[Occupation, ...]:
    """Every occupation of the list, in code order."""
    rows = []
    for line in _DATA.strip().splitlines():
        code, name, *keywords = line.split()
        rows.append(Occupation(code, name, tuple(keywords)))
    return tuple(sorted(rows, key=lambda o: o.code))


@cache
def _by_code() -> dict[str, Occupation]:
    return {o.code: o for o in occupations()}


def occupation_by_code(code: str | None) -> Occupation | None:
    return _by_code().get(code or "")


def occupation_name(code: str | None) -> str:
    """The Chinese name of an occupation code; a group's name for a group code; "" when unknown."""
    if not code:
        return ""
    found = occupation_by_code(code)
    if found:
        return found.name
    return MIDDLE_GROUPS.get(code) or MAJOR_GROUPS.get(code, "")


def group_name(code: str) -> str:
    """The name of the middle group a code belongs to, or of its major group."""
    return MIDDLE_GROUPS.get(middle_of(code)) or MAJOR_GROUPS.get(major_of(code), "")


def by_major_group() -> dict[str, list[Occupation]]:
    """The occupations under each of the 8 major groups (empty list for a group without common ones)."""
    groups: dict[str, list[Occupation]] = {major: [] for major in MAJOR_GROUPS}
    for occupation in occupations():
        groups[occupation.major].append(occupation)
    return groups


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "")


@cache
def _pinyin_keys() -> dict[str, tuple[str, str]]:
    """Per code: the name's pinyin initials ("jzfwy") and full pinyin ("jiazhengfuwuyuan")."""
    from pypinyin import Style, lazy_pinyin  # imported on first search only: it loads a large table

    keys = {}
    for occupation in occupations():
        hanzi = "".join(ch for ch in occupation.name if "\u4e00" <= ch <= "\u9fff")
        keys[occupation.code] = (
            "".join(lazy_pinyin(hanzi, style=Style.FIRST_LETTER)),
            "".join(lazy_pinyin(hanzi)),
        )
    return keys


def search_occupations(query: str, *, limit: int = 30) -> list[Occupation]:
    """Occupations whose code, name, a keyword or the name's pinyin matches ``query``; best first.

    Order: exact name or keyword, then name (or code) starting with the query,
    then the query anywhere in name or keyword, then a latin query that starts
    the name's pinyin initials or full pinyin ("bj", "baojie" → 保洁员). An
    empty query lists the first ``limit``.
    """
    needle = _fold(query)
    if not needle:
        return list(occupations()[:limit])
    ranked: list[tuple[int, str, Occupation]] = []
    for occupation in occupations():
        name = _fold(occupation.name)
        words = [_fold(k) for k in occupation.keywords]
        if needle == name or needle in words:
            rank = 0
        elif name.startswith(needle) or occupation.code.startswith(needle):
            rank = 1
        elif needle in name or any(needle in w for w in words):
            rank = 2
        elif needle.isascii() and needle.isalpha() and any(
            key.startswith(needle) for key in _pinyin_keys()[occupation.code]
        ):
            rank = 3
        else:
            continue
        ranked.append((rank, occupation.code, occupation))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in ranked[:limit]]
