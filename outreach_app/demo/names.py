"""Parts that demo names are built from, each with its pinyin; every combination reads well."""

from __future__ import annotations

from random import Random

# Communities: a pleasant first character and a place-like second one (福海社区, 春阳社区).
COMMUNITY_FIRST: tuple[tuple[str, str], ...] = (
    ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("金", "jin"), ("福", "fu"),
    ("安", "an"), ("康", "kang"), ("华", "hua"), ("新", "xin"), ("兴", "xing"), ("瑞", "rui"),
    ("泰", "tai"), ("丰", "feng"), ("明", "ming"), ("嘉", "jia"), ("宁", "ning"), ("青", "qing"),
    ("翠", "cui"), ("松", "song"), ("柳", "liu"), ("桃", "tao"), ("云", "yun"), ("海", "hai"),
    ("春", "chun"), ("文", "wen"), ("德", "de"), ("广", "guang"), ("永", "yong"), ("湖", "hu"),
)  # fmt: skip
COMMUNITY_SECOND: tuple[tuple[str, str], ...] = (
    ("山", "shan"), ("海", "hai"), ("湖", "hu"), ("岭", "ling"), ("苑", "yuan"), ("园", "yuan"),
    ("城", "cheng"), ("港", "gang"), ("湾", "wan"), ("泉", "quan"), ("源", "yuan"), ("台", "tai"),
    ("阳", "yang"), ("林", "lin"), ("华", "hua"), ("和", "he"), ("宁", "ning"), ("兴", "xing"),
    ("馨", "xin"), ("悦", "yue"), ("景", "jing"), ("庭", "ting"),
)  # fmt: skip

# Villages: 王家庄, 李家疃 (a Shandong word), 后孙家沟; or 大槐树, 北沙岭.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"),
    ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("林", "lin"), ("高", "gao"), ("于", "yu"),
    ("姜", "jiang"), ("宋", "song"), ("曲", "qu"), ("栾", "luan"), ("臧", "zang"), ("隋", "sui"),
    ("韩", "han"), ("丁", "ding"), ("袁", "yuan"), ("纪", "ji"), ("崔", "cui"), ("薛", "xue"),
    ("董", "dong"), ("邱", "qiu"), ("修", "xiu"), ("宫", "gong"), ("管", "guan"), ("逄", "pang"),
)  # fmt: skip
VILLAGE_PLACE: tuple[tuple[str, str], ...] = (
    ("庄", "zhuang"), ("疃", "tuan"), ("屯", "tun"), ("埠", "bu"), ("沟", "gou"), ("洼", "wa"),
    ("岭", "ling"), ("河", "he"), ("泊", "bo"), ("寨", "zhai"), ("营", "ying"), ("集", "ji"),
    ("店", "dian"), ("台", "tai"),
)  # fmt: skip
VILLAGE_DIRECTION: tuple[tuple[str, str], ...] = (
    ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("前", "qian"), ("后", "hou"),
    ("大", "da"), ("小", "xiao"), ("上", "shang"), ("下", "xia"),
)  # fmt: skip
VILLAGE_LANDFORM: tuple[tuple[str, str], ...] = (
    ("石沟", "shigou"), ("河崖", "heya"), ("沙岭", "shaling"), ("柳沟", "liugou"),
    ("杏园", "xingyuan"), ("桃园", "taoyuan"), ("槐树", "huaishu"), ("黄埠", "huangbu"),
    ("塔山", "tashan"), ("龙湾", "longwan"), ("松林", "songlin"), ("石门", "shimen"),
    ("泉头", "quantou"), ("河头", "hetou"), ("岔河", "chahe"), ("枣行", "zaohang"),
)  # fmt: skip

GIVEN_NAMES: tuple[str, ...] = (
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "超", "明", "霞", "鹏",
    "婷", "晨", "宇", "浩", "欣", "晓燕", "晓东", "海燕", "建国", "建华", "志强", "志刚",
    "玉兰", "秀英", "丽华", "文静", "雪梅", "俊杰", "海涛", "春雷", "立新", "嘉怡", "思远",
)  # fmt: skip

# Enterprise names: 青岛 + a trading name + a trade + 有限公司.
ENTERPRISE_WORDS: tuple[str, ...] = (
    "恒信", "瑞丰", "海达", "金桥", "宏远", "鑫源", "华昌", "永泰", "润泽", "东方", "正阳",
    "海川", "德润", "泰和", "万通", "启明", "蓝海", "盛华", "远航", "新港",
)  # fmt: skip
ENTERPRISE_TRADES: tuple[str, ...] = (
    "机械", "食品", "纺织", "电子", "物流", "建材", "服装", "橡胶", "海产品", "包装",
    "汽车配件", "家居", "印刷", "制冷设备",
)  # fmt: skip


def join_pinyin(parts: list[str]) -> str:
    """Join pinyin syllables into one capitalised word, with an apostrophe before a, e or o."""
    word = ""
    for part in parts:
        if word and part[:1] in "aeo":
            word += "'"
        word += part
    return word[:1].upper() + word[1:]


def community_name(rng: Random) -> tuple[str, str]:
    """A community name and its English: ("福海社区", "Fuhai Community")."""
    while True:
        first, second = rng.choice(COMMUNITY_FIRST), rng.choice(COMMUNITY_SECOND)
        if first[0] != second[0]:
            break
    return f"{first[0]}{second[0]}社区", f"{join_pinyin([first[1], second[1]])} Community"


def village_name(rng: Random) -> tuple[str, str]:
    """A village name and its English: ("后王家庄村", "Houwangjiazhuang Village")."""
    parts: list[tuple[str, str]]
    if rng.random() < 0.7:
        parts = [rng.choice(SURNAMES), ("家", "jia"), rng.choice(VILLAGE_PLACE)]
        if rng.random() < 0.2:
            parts.insert(0, rng.choice(VILLAGE_DIRECTION))
    else:
        parts = [rng.choice(VILLAGE_DIRECTION), rng.choice(VILLAGE_LANDFORM)]
    zh = "".join(part[0] for part in parts) + "村"
    return zh, f"{join_pinyin([part[1] for part in parts])} Village"


def person_name(rng: Random) -> str:
    """A common Chinese full name: 王晓燕."""
    return rng.choice(SURNAMES)[0] + rng.choice(GIVEN_NAMES)


def enterprise_name(rng: Random) -> str:
    """A made-up company name: 青岛瑞丰食品有限公司."""
    return f"青岛{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_TRADES)}有限公司"
