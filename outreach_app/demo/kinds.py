"""Demo events of the kinds added after the first five: 进商圈 in the city's business districts
and 上门服务, home visits made by two staff to residents who cannot come to an event (mostly
older or disabled people, found through their residents' committee). Both reach the newer
target groups too: 务工人员 (migrant workers) at shops and markets, 外籍人士 (foreign residents)
in the city's central business districts.

``kind_slots`` adds the places such events happen to the event generator's slots; the events
themselves are made with every other event, so they follow the same seasons and statuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from outreach_app.demo.activities import Activity, _at
from outreach_app.demo.events import EventSlot
from outreach_app.partners.models import PartnerKind

BUSINESS_AREA = Activity(
    kind="business_area",
    titles=(
        "{r}商圈反诈宣传",
        "金融知识进商圈：{r}",
        "{r}商户防范假币与电信诈骗宣传",
        "{r}商圈务工人员金融知识讲座",
        "{r}商圈“拒绝刷单返利”宣传",
    ),
    venues=("{r}商业街广场", "{r}购物中心一楼中庭", "{r}步行街宣传点"),
    groups=("migrant_worker", "general", "new_urban", "foreign_resident"),
    topics=(
        "fraud_click_farming",
        "fraud_telecom",
        "fraud_fake_service",
        "digital_mobile_banking",
        "rules_risk_account",
        "right_information",
    ),
    attendance=(30, 200),
    start_minutes=_at("10:00", "14:00", "15:30"),
    durations=(90, 120, 180),
    weekend_weight=1.4,
)

HOME_VISIT = Activity(
    kind="home_visit",
    titles=(
        "上门服务：为{r}行动不便老人讲解防诈骗",
        "{r}居民上门金融服务",
        "上门讲解养老诈骗防范（{r}）",
        "{r}残障居民上门宣教",
    ),
    # A home's address, kept on the event page only (the kind's private venue).
    venues=(
        "{r}小区3号楼2单元502室",
        "{r}小区7号楼1单元301室",
        "{r}小区12号楼东单元102室",
        "{r}小区5号楼3单元601室",
    ),
    groups=("seniors", "disabled"),
    topics=("fraud_pension", "right_property", "digital_mobile_banking", "fraud_telecom"),
    attendance=(1, 3),
    start_minutes=_at("09:30", "10:00", "14:30", "15:00"),
    durations=(60, 90),
    weekend_weight=0.3,
    min_staff=2,
)


def kind_slots(partners: Sequence[Any], activity_factor: Mapping[int, float]) -> list[EventSlot]:
    """Where the newer kinds happen: a business district near each urban residents' committee
    and street partner, and home visits arranged by urban residents' committees."""
    slots = []
    for p in partners:
        region = p.region
        if region.is_rural:
            continue
        factor = activity_factor[p.branch.id]
        if p.kind in (PartnerKind.RESIDENTS_COMMITTEE, PartnerKind.OTHER):
            slots.append(
                EventSlot(
                    branch_id=p.branch.id,
                    region_id=region.id,
                    partner_id=p.id,
                    activity=BUSINESS_AREA,
                    place=p.name,
                    place_short=region.short,
                    weight=0.25 * factor,
                )
            )
        if p.kind == PartnerKind.RESIDENTS_COMMITTEE:
            slots.append(
                EventSlot(
                    branch_id=p.branch.id,
                    region_id=region.id,
                    partner_id=p.id,
                    activity=HOME_VISIT,
                    place=p.name,
                    place_short=region.short,
                    weight=0.15 * factor,
                )
            )
    return slots
