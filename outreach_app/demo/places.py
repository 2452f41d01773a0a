"""The demo city: Qingdao's real districts, a real selection of their streets and towns, roads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreetSpec:
    """A street (街道) or town (镇) under a district; ``is_town`` decides the name and code."""

    name: str
    pinyin: str
    is_rural: bool = False
    is_town: bool = False

    @property
    def name_en(self) -> str:
        """The English name: pinyin and "Subdistrict" or "Town"."""
        return f"{self.pinyin} {'Town' if self.is_town else 'Subdistrict'}"

    @property
    def short(self) -> str:
        """The name without its 街道/镇 suffix, as people say it: 湛山, 南村."""
        for suffix in ("街道", "镇"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass(frozen=True)
class DistrictSpec:
    """A district (区) or county-level city (市) with its real six-digit division code."""

    code: str
    name: str
    name_en: str
    short: str
    branches: int
    streets: tuple[StreetSpec, ...]
    roads: tuple[str, ...]
    universities: tuple[str, ...] = ()

    @property
    def is_city_core(self) -> bool:
        """True for the old city districts, fully built up, without villages."""
        return self.code in CITY_CORE_CODES

    @property
    def is_county_city(self) -> bool:
        """True for the county-level cities (胶州市, 平度市, 莱西市)."""
        return self.name.endswith("市")


CITY_CORE_CODES = frozenset({"370202", "370203", "370213"})  # 市南区, 市北区, 李沧区
CITY_NAME = "青岛市"
CITY_NAME_EN = "Qingdao City"
CITY_CODE = "370200"
HEAD_DISTRICT_CODE = "370212"  # 崂山区: the demo head's region and the demo staff's branch

S = StreetSpec


def _town(name: str, pinyin: str) -> StreetSpec:
    return StreetSpec(name, pinyin, is_rural=True, is_town=True)


DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        "370202",
        "市南区",
        "Shinan District",
        "市南",
        4,
        (
            S("八大关街道", "Badaguan"),
            S("湛山街道", "Zhanshan"),
            S("香港中路街道", "Xianggang Zhonglu"),
            S("八大湖街道", "Badahu"),
            S("金门路街道", "Jinmenlu"),
            S("珠海路街道", "Zhuhailu"),
            S("中山路街道", "Zhongshanlu"),
            S("江苏路街道", "Jiangsulu"),
        ),
        ("香港中路", "东海西路", "南京路", "山东路", "福州南路", "中山路", "闽江路", "宁夏路"),
        ("青岛大学", "中国海洋大学鱼山校区"),
    ),
    DistrictSpec(
        "370203",
        "市北区",
        "Shibei District",
        "市北",
        4,
        (
            S("辽宁路街道", "Liaoninglu"),
            S("延安路街道", "Yan'anlu"),
            S("台东街道", "Taidong"),
            S("宁夏路街道", "Ningxialu"),
            S("敦化路街道", "Dunhualu"),
            S("浮山新区街道", "Fushan Xinqu"),
            S("四方街道", "Sifang"),
            S("洛阳路街道", "Luoyanglu"),
        ),
        ("辽宁路", "台东一路", "延安三路", "敦化路", "福州北路", "威海路", "连云港路"),
        ("青岛理工大学市北校区",),
    ),
    DistrictSpec(
        "370211",
        "黄岛区",
        "Huangdao District",
        "黄岛",
        4,
        (
            S("黄岛街道", "Huangdao"),
            S("辛安街道", "Xin'an"),
            S("薛家岛街道", "Xuejiadao"),
            S("长江路街道", "Changjianglu"),
            S("灵山卫街道", "Lingshanwei", is_rural=True),
            S("隐珠街道", "Yinzhu"),
            _town("琅琊镇", "Langya"),
            _town("泊里镇", "Boli"),
        ),
        ("长江中路", "江山中路", "井冈山路", "武夷山路", "珠江路", "黄河中路", "峨眉山路"),
        ("中国石油大学（华东）", "山东科技大学", "青岛滨海学院"),
    ),
    DistrictSpec(
        "370212",
        "崂山区",
        "Laoshan District",
        "崂山",
        3,
        (
            S("中韩街道", "Zhonghan"),
            S("金家岭街道", "Jinjialing"),
            S("沙子口街道", "Shazikou", is_rural=True),
            S("王哥庄街道", "Wanggezhuang", is_rural=True),
            S("北宅街道", "Beizhai", is_rural=True),
        ),
        ("海尔路", "松岭路", "秦岭路", "香港东路", "深圳路", "株洲路"),
        ("中国海洋大学崂山校区", "青岛科技大学崂山校区"),
    ),
    DistrictSpec(
        "370213",
        "李沧区",
        "Licang District",
        "李沧",
        3,
        (
            S("李村街道", "Licun"),
            S("振华路街道", "Zhenhualu"),
            S("浮山路街道", "Fushanlu"),
            S("虎山路街道", "Hushanlu"),
            S("九水街道", "Jiushui"),
            S("湘潭路街道", "Xiangtanlu"),
            S("世园街道", "Shiyuan", is_rural=True),
        ),
        ("京口路", "九水路", "书院路", "黑龙江中路", "振华路", "金水路", "四流中路"),
    ),
    DistrictSpec(
        "370214",
        "城阳区",
        "Chengyang District",
        "城阳",
        3,
        (
            S("城阳街道", "Chengyang"),
            S("流亭街道", "Liuting"),
            S("夏庄街道", "Xiazhuang"),
            S("惜福镇街道", "Xifuzhen", is_rural=True),
            S("棘洪滩街道", "Jihongtan", is_rural=True),
            S("上马街道", "Shangma", is_rural=True),
            S("红岛街道", "Hongdao", is_rural=True),
        ),
        ("正阳路", "长城路", "文阳路", "春阳路", "兴阳路", "明阳路"),
        ("青岛农业大学", "青岛酒店管理职业技术学院"),
    ),
    DistrictSpec(
        "370215",
        "即墨区",
        "Jimo District",
        "即墨",
        3,
        (
            S("通济街道", "Tongji"),
            S("环秀街道", "Huanxiu"),
            S("潮海街道", "Chaohai"),
            S("龙山街道", "Longshan", is_rural=True),
            S("鳌山卫街道", "Aoshanwei", is_rural=True),
            _town("田横镇", "Tianheng"),
            _town("移风店镇", "Yifengdian"),
            _town("金口镇", "Jinkou"),
        ),
        ("蓝鳌路", "鹤山路", "烟青路", "振华街", "嵩山二路", "天山二路"),
        ("山东大学青岛校区",),
    ),
    DistrictSpec(
        "370281",
        "胶州市",
        "Jiaozhou City",
        "胶州",
        2,
        (
            S("阜安街道", "Fu'an"),
            S("中云街道", "Zhongyun"),
            S("三里河街道", "Sanlihe"),
            _town("李哥庄镇", "Ligezhuang"),
            _town("铺集镇", "Puji"),
            _town("里岔镇", "Licha"),
            _town("洋河镇", "Yanghe"),
        ),
        ("扬州路", "郑州东路", "常州路", "兰州东路", "广州北路"),
        ("青岛工学院",),
    ),
    DistrictSpec(
        "370283",
        "平度市",
        "Pingdu City",
        "平度",
        2,
        (
            S("东阁街道", "Dongge"),
            S("李园街道", "Liyuan"),
            _town("南村镇", "Nancun"),
            _town("蓼兰镇", "Liaolan"),
            _town("崔家集镇", "Cuijiaji"),
            _town("明村镇", "Mingcun"),
            _town("大泽山镇", "Dazeshan"),
            _town("田庄镇", "Tianzhuang"),
        ),
        ("红旗路", "人民路", "胜利路", "青岛路", "常州路"),
        ("青岛农业大学平度校区",),
    ),
    DistrictSpec(
        "370285",
        "莱西市",
        "Laixi City",
        "莱西",
        2,
        (
            S("水集街道", "Shuiji"),
            S("望城街道", "Wangcheng"),
            _town("姜山镇", "Jiangshan"),
            _town("院上镇", "Yuanshang"),
            _town("南墅镇", "Nanshu"),
            _town("日庄镇", "Rizhuang"),
            _town("店埠镇", "Dianbu"),
        ),
        ("烟台路", "石岛路", "威海路", "重庆路", "上海路"),
    ),
)

# Streets of a town seat or rural street are named like this in addresses.
TOWN_ROADS = ("中心大街", "政府路", "商贸街", "文化路", "府前街")
