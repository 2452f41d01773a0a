"""What an event with each kind of partner looks like: titles, venues, groups, topics, timing.

In the templates ``{p}`` is the place (the partner, the village or community, or the branch) and
``{r}`` the same place without its 村/社区 suffix.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach_app.partners.models import PartnerKind


@dataclass(frozen=True)
class Activity:
    """The shape of the events held at one kind of place."""

    kind: str  # an event kind's code
    titles: tuple[str, ...]
    venues: tuple[str, ...]
    groups: tuple[str, ...]  # target-group codes, the main one first
    topics: tuple[str, ...]  # topic codes
    attendance: tuple[int, int]  # expected attendance, low and high
    start_minutes: tuple[int, ...]  # local start times, minutes after midnight
    durations: tuple[int, ...]  # minutes
    weekend_weight: float = 0.5
    in_school_holidays: bool = True
    min_staff: int = 1  # the kind's rule: a home visit is made by two


def _at(*times: str) -> tuple[int, ...]:
    return tuple(int(t[:2]) * 60 + int(t[3:]) for t in times)


VILLAGE = Activity(
    kind="village",
    titles=(
        "{p}反诈宣传进乡村",
        "{p}金融知识进乡村",
        "{p}防范非法集资宣传",
        "{p}村民防范电信网络诈骗讲座",
        "{p}“金融知识大集”宣传",
        "{p}农村金融知识普及活动",
        "{p}手机银行使用小课堂",
        "{p}“守好钱袋子”反诈宣传",
    ),
    venues=("{r}村委会大院", "{r}村文化大院", "{p}文化广场", "{r}村委会会议室"),
    groups=("rural", "seniors", "general", "disabled"),
    topics=(
        "fraud_illegal_fundraising",
        "fraud_telecom",
        "fraud_pension",
        "right_property",
        "digital_mobile_banking",
        "digital_atm",
        "rules_risk_account",
        "complaint_channels",
    ),
    attendance=(20, 120),
    start_minutes=_at("08:30", "09:00", "09:30", "14:00", "14:30", "15:00"),
    durations=(60, 90, 120, 150, 180),
    weekend_weight=0.7,
)

COMMUNITY = Activity(
    kind="community",
    titles=(
        "{p}反诈宣传讲座",
        "{p}防范养老诈骗宣传",
        "{p}金融知识进社区",
        "{p}“守护银发”金融知识讲座",
        "{p}手机银行安全使用教学",
        "{p}新市民金融服务宣讲",
        "{p}防范冒充客服诈骗宣传",
        "{p}个人信息保护宣传",
    ),
    venues=("{p}党群服务中心", "{p}居委会活动室", "{p}文化广场", "{p}新时代文明实践站"),
    groups=("seniors", "general", "new_urban", "disabled"),
    topics=(
        "fraud_pension",
        "fraud_telecom",
        "fraud_fake_service",
        "digital_mobile_banking",
        "right_data",
        "right_information",
        "complaint_channels",
        "fraud_illegal_fundraising",
    ),
    attendance=(30, 150),
    start_minutes=_at("09:00", "09:30", "10:00", "14:00", "14:30", "15:00", "15:30"),
    durations=(60, 90, 120),
    weekend_weight=0.6,
)

SENIOR_UNIVERSITY = Activity(
    kind="community",
    titles=(
        "{p}防范养老诈骗专题课",
        "{p}智能手机与手机银行课堂",
        "{p}“银发课堂”反诈讲座",
        "{p}老年金融消费者权益讲座",
    ),
    venues=("{p}多功能教室", "{p}报告厅"),
    groups=("seniors", "general"),
    topics=(
        "fraud_pension",
        "fraud_fake_service",
        "fraud_telecom",
        "digital_mobile_banking",
        "digital_atm",
        "right_property",
        "right_respect",
    ),
    attendance=(30, 100),
    start_minutes=_at("09:00", "09:30", "14:30", "15:00"),
    durations=(60, 90),
    weekend_weight=0.1,
)

SENIOR_HOME = Activity(
    kind="community",
    titles=(
        "{p}金融知识进院宣传",
        "{p}防范养老诈骗宣传",
        "{p}适老金融服务上门",
        "{p}老年人反诈知识讲座",
    ),
    venues=("{p}活动室", "{p}多功能厅"),
    groups=("seniors", "disabled"),
    topics=(
        "fraud_pension",
        "fraud_telecom",
        "right_property",
        "right_respect",
        "digital_atm",
        "fraud_illegal_fundraising",
    ),
    attendance=(20, 60),
    start_minutes=_at("09:30", "10:00", "15:00"),
    durations=(60, 90),
    weekend_weight=0.4,
)

SCHOOL = Activity(
    kind="campus",
    titles=(
        "{p}金融知识进校园",
        "{p}防范电信网络诈骗主题班会",
        "{p}青少年金融素养课",
        "{p}“护苗”反诈安全课",
        "{p}个人信息保护主题课",
    ),
    venues=("{p}报告厅", "{p}多功能厅", "{p}阶梯教室"),
    groups=("youth",),
    topics=(
        "fraud_telecom",
        "fraud_click_farming",
        "right_data",
        "right_education",
        "fraud_campus_loan",
    ),
    attendance=(50, 300),
    start_minutes=_at("08:30", "09:00", "10:00", "14:00", "14:30", "15:30"),
    durations=(60, 90),
    weekend_weight=0.02,
    in_school_holidays=False,
)

UNIVERSITY = Activity(
    kind="campus",
    titles=(
        "{p}防范校园贷讲座",
        "{p}刷单返利诈骗防范宣讲",
        "{p}新生金融安全第一课",
        "{p}“拒绝出租出借银行卡”宣讲",
        "{p}大学生金融素养讲座",
    ),
    venues=("{p}学术报告厅", "{p}学生活动中心", "{p}图书馆报告厅"),
    groups=("youth", "ethnic_minority"),
    topics=(
        "fraud_campus_loan",
        "fraud_click_farming",
        "fraud_telecom",
        "rules_risk_account",
        "right_data",
        "rules_aml",
    ),
    attendance=(80, 300),
    start_minutes=_at("09:00", "10:00", "14:00", "15:00", "16:00"),
    durations=(90, 120),
    weekend_weight=0.1,
    in_school_holidays=False,
)

SPECIAL_EDUCATION = Activity(
    kind="campus",
    titles=(
        "{p}金融知识无障碍课堂",
        "{p}残障人士金融服务宣讲",
        "{p}反诈知识手语课堂",
    ),
    venues=("{p}多功能教室", "{p}康复活动室"),
    groups=("disabled", "youth"),
    topics=(
        "right_respect",
        "right_education",
        "fraud_telecom",
        "digital_mobile_banking",
        "right_property",
    ),
    attendance=(20, 60),
    start_minutes=_at("09:00", "09:30", "14:30"),
    durations=(60, 90),
    weekend_weight=0.02,
    in_school_holidays=False,
)

ENTERPRISE = Activity(
    kind="enterprise",
    titles=(
        "{p}员工反诈宣传",
        "{p}金融知识进企业",
        "{p}反洗钱与账户安全培训",
        "{p}新市民金融知识讲座",
        "{p}防范刷单返利诈骗宣讲",
    ),
    venues=("{p}职工食堂", "{p}会议室", "{p}员工培训室"),
    groups=("new_urban", "general"),
    topics=(
        "fraud_click_farming",
        "fraud_telecom",
        "rules_aml",
        "rules_risk_account",
        "fraud_illegal_fundraising",
        "right_fair_trade",
        "complaint_channels",
    ),
    attendance=(20, 200),
    start_minutes=_at("09:00", "12:30", "14:00", "16:00"),
    durations=(60, 90),
    weekend_weight=0.1,
)

OTHER = Activity(
    kind="community",
    titles=(
        "{p}金融知识宣传活动",
        "{p}反诈宣传咨询日",
        "{p}消费者权益保护宣传",
        "{p}防范非法集资宣传",
    ),
    venues=("{p}会议室", "{p}活动室", "{p}门前广场"),
    groups=("general", "seniors", "new_urban"),
    topics=(
        "fraud_telecom",
        "right_information",
        "right_choice",
        "right_fair_trade",
        "right_redress",
        "complaint_channels",
        "fraud_illegal_fundraising",
    ),
    attendance=(20, 150),
    start_minutes=_at("09:00", "09:30", "14:00", "15:00"),
    durations=(90, 120, 180),
    weekend_weight=0.8,
)

IN_BRANCH = Activity(
    kind="branch",
    titles=(
        "{p}厅堂反诈微沙龙",
        "{p}金融消费者权益宣传",
        "{p}适老化服务体验日",
        "{p}厅堂防范电信诈骗宣传",
        "{p}“金融知识万里行”厅堂宣传",
    ),
    venues=("{p}营业厅", "{p}客户活动区", "{p}厅堂宣教区"),
    groups=("general", "seniors", "new_urban"),
    topics=(
        "right_property",
        "right_information",
        "right_choice",
        "right_redress",
        "complaint_channels",
        "digital_atm",
        "digital_mobile_banking",
        "fraud_fake_service",
    ),
    attendance=(20, 50),
    start_minutes=_at("09:30", "10:00", "15:00"),
    durations=(60, 90, 120),
    weekend_weight=0.8,
)

ACTIVITIES: dict[PartnerKind, Activity] = {
    PartnerKind.RESIDENTS_COMMITTEE: COMMUNITY,
    PartnerKind.VILLAGE_COMMITTEE: VILLAGE,
    PartnerKind.SENIOR_UNIVERSITY: SENIOR_UNIVERSITY,
    PartnerKind.SENIOR_HOME: SENIOR_HOME,
    PartnerKind.SCHOOL: SCHOOL,
    PartnerKind.UNIVERSITY: UNIVERSITY,
    PartnerKind.SPECIAL_EDUCATION: SPECIAL_EDUCATION,
    PartnerKind.ENTERPRISE: ENTERPRISE,
    PartnerKind.OTHER: OTHER,
}

# Titles get these in March (3·15 consumer-rights day) and September (financial-literacy month).
MARCH_PREFIX = "“3·15”"
SEPTEMBER_PREFIX = "“金融知识普及月”"

CANCEL_REASONS: tuple[str, ...] = (
    "暴雨橙色预警，活动延期",
    "台风预警，活动取消",
    "合作单位临时另有安排",
    "场地临时无法使用",
    "主讲人临时有事，改期举办",
    "学校考试周，改期",
    "报名人数不足，改为线上宣传",
    "与社区其他活动时间冲突",
)

PARTNER_CONTACT_TITLES: dict[PartnerKind, tuple[str, ...]] = {
    PartnerKind.RESIDENTS_COMMITTEE: ("主任", "书记", "女士"),
    PartnerKind.VILLAGE_COMMITTEE: ("书记", "主任"),
    PartnerKind.SENIOR_UNIVERSITY: ("老师", "校长"),
    PartnerKind.SENIOR_HOME: ("院长", "女士"),
    PartnerKind.SCHOOL: ("老师", "主任"),
    PartnerKind.UNIVERSITY: ("老师",),
    PartnerKind.SPECIAL_EDUCATION: ("老师", "校长"),
    PartnerKind.ENTERPRISE: ("经理", "女士", "先生"),
    PartnerKind.OTHER: ("女士", "先生", "主任"),
}
