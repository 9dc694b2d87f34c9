"""Raw variable names, Chinese labels and missing codes of the simulated survey file.

The layout follows CGSS 2017+ conventions: 98 不知道 / 99 拒绝回答 on
categorical items, −8 不适用 for respondents not eligible for an item, income in
a 7-digit field where 9999996 is a top-code (a value) and 9999997–9999999 are
missing codes.
"""

from __future__ import annotations

DONT_KNOW = 98
REFUSED = 99
NOT_APPLICABLE = -8
INCOME_TOPCODE = 9_999_996
INCOME_MISSING: dict[int, str] = {9_999_997: "不适用", 9_999_998: "不知道", 9_999_999: "拒绝回答"}
ITEM_MISSING: dict[int, str] = {DONT_KNOW: "不知道", REFUSED: "拒绝回答"}

FREQUENCY = {1: "从不", 2: "很少", 3: "有时", 4: "经常", 5: "总是"}
SATISFACTION = {1: "非常不满意", 2: "不太满意", 3: "一般", 4: "比较满意", 5: "非常满意"}
AGREEMENT = {1: "非常不同意", 2: "不同意", 3: "说不清", 4: "同意", 5: "非常同意"}

#: ``{construct: [(raw name, label, scale labels, reverse-coded), ...]}``.
ITEMS: dict[str, list[tuple[str, str, dict[int, str], bool]]] = {
    "info_access": [
        ("c11", "通过互联网获取政务信息的频率", FREQUENCY, False),
        ("c12", "了解本地政策信息的频率", FREQUENCY, False),
        ("c13", "使用政务App或公众号的频率", FREQUENCY, False),
        ("c14", "获取政府信息很困难", AGREEMENT, True),
    ],
    "participation": [
        ("c21", "参加村/居委会会议的频率", FREQUENCY, False),
        ("c22", "参加村/居委会选举投票的频率", FREQUENCY, False),
        ("c23", "参与社区公共事务讨论的频率", FREQUENCY, False),
        ("c24", "参加志愿或公益活动的频率", FREQUENCY, False),
    ],
    "expression": [
        ("c31", "向政府部门反映意见的频率", FREQUENCY, False),
        ("c32", "通过网络平台(如12345)表达诉求的频率", FREQUENCY, False),
        ("c33", "通过信访或联系人大代表表达诉求的频率", FREQUENCY, False),
    ],
    "service": [
        ("c41", "对本地教育服务的满意度", SATISFACTION, False),
        ("c42", "对本地医疗服务的满意度", SATISFACTION, False),
        ("c43", "对本地社会保障的满意度", SATISFACTION, False),
        ("c44", "获得公共服务很不方便", AGREEMENT, True),
    ],
}

#: The item whose −8 code marks respondents not eligible to vote where they live.
NOT_ELIGIBLE_ITEM = "c22"

#: Loadings of the items on their standardised construct (same order as ITEMS).
LOADINGS: dict[str, tuple[float, ...]] = {
    "info_access": (0.80, 0.75, 0.70, 0.60),
    "participation": (0.75, 0.70, 0.75, 0.60),
    "expression": (0.75, 0.70, 0.65),
    "service": (0.80, 0.80, 0.75, 0.60),
}

#: Standard-normal cut points of the five response categories.
CUTS = (-1.4, -0.5, 0.4, 1.3)

#: Rates of the item-missing codes among eligible respondents.
DONT_KNOW_RATE = 0.02
REFUSED_RATE = 0.01
INCOME_DONT_KNOW_RATE = 0.04
INCOME_REFUSED_RATE = 0.06

OCCUPATIONS: dict[int, str] = {
    1: "务农",
    2: "工人",
    3: "商业服务人员",
    4: "专业技术或管理人员",
    5: "无业或退休",
}
HUKOU: dict[int, str] = {1: "农业", 2: "非农业"}
EDUCATION: dict[int, str] = {
    1: "没有受过任何教育",
    3: "小学",
    4: "初中",
    6: "普通高中",
    10: "大学专科(正规高等教育)",
    12: "大学本科(正规高等教育)",
    13: "研究生及以上",
}

VARIABLE_LABELS: dict[str, str] = {
    "id": "样本编码",
    "s41": "省份(国标代码)",
    "stratum": "抽样层(省)",
    "county_id": "区县编码(初级抽样单位)",
    "community_id": "村/居委会编码",
    "household_id": "家庭户编码",
    "isurban": "城乡",
    "a2": "性别",
    "a31": "出生年份",
    "a18": "户口类型",
    "a7a": "最高受教育程度",
    "edu_y": "受教育年限",
    "a8a": "个人去年全年总收入(元)",
    "occ": "职业类别",
    "net": "是否使用互联网",
    "weight": "权重",
    "fpc_county": "层内区县总数",
}
for _items in ITEMS.values():
    for _name, _label, _scale, _reverse in _items:
        VARIABLE_LABELS[_name] = _label


def education_code(years: int) -> int:
    """CGSS-style highest-level code for years of schooling."""
    for upper, code in ((0, 1), (6, 3), (9, 4), (12, 6), (15, 10), (16, 12)):
        if years <= upper:
            return code
    return 13
