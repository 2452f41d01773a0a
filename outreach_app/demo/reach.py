"""The demo's online and media reach: WeChat articles (with reads) about many completed
events, some videos, a few newspaper, TV and radio reports, and branches' own items without
an event. Rows go in through the driver's executemany (``demo.bulk``), before the rollups are
rebuilt, so coverage counts them like everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from outreach_app.demo.bulk import insert_rows
from outreach_app.demo.events import CompletedEvent
from outreach_app.reach.models import ReachItem, ReachKind

# Of the completed events: share with a WeChat article, a video, a media report.
ARTICLE_SHARE = 0.35
VIDEO_SHARE = 0.08
MEDIA_SHARE = 0.04
# Items a branch publishes on its own over the year (anti-fraud months, 3·15, tips).
OWN_ITEMS_PER_BRANCH = (1, 5)
# Beyond this many events (load tests), items are written for a sample only.
ITEM_BUDGET = 20_000

NEWSPAPERS = ("青岛日报", "半岛都市报", "青岛早报", "金融时报")
BROADCASTERS = ("青岛电视台《今日》", "青岛交通广播 FM89.7", "青岛新闻综合广播")
WEBSITES = ("青岛新闻网", "大众网·青岛", "青岛政务网")
OWN_TITLES = (
    "3·15 金融消费者权益日：守护好您的钱袋子",
    "警惕“刷单返利”骗局，天上不会掉馅饼",
    "养老诈骗常见套路，一图看懂",
    "防范非法集资宣传月｜远离高息诱惑",
    "个人信息保护小知识：验证码不告诉任何人",
    "冒充客服退款？挂断电话，拨打官方热线",
)
COLUMNS = (
    "kind",
    "outlet",
    "title",
    "published_on",
    "url",
    "reads",
    "forwards",
    "branch_id",
    "region_id",
    "event_id",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class DemoBranch:
    """What the reach items need of a demo branch: its id and region."""

    id: int
    region_id: int


@dataclass
class ReachCounts:
    """How many items were written, at events and without one."""

    at_events: int = 0
    without_event: int = 0


def _token(rng: Random, size: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(rng.choice(letters) for _ in range(size))


def _article_url(rng: Random) -> str:
    return f"https://mp.weixin.qq.com/s/{_token(rng, 22)}"


def _news_url(rng: Random, day: date) -> str:
    return (
        f"https://www.qingdaonews.com/content/{day:%Y-%m}/{day:%d}/"
        f"content_{rng.randint(10_000_000, 99_999_999)}.htm"
    )


def generate_reach(
    conn: Connection,
    rng: Random,
    completed: Sequence[CompletedEvent],
    branches: Sequence[DemoBranch],
    *,
    today: date,
    timezone: ZoneInfo,
    bank_name: str,
) -> ReachCounts:
    """Write the items; the caller rebuilds the rollups afterwards."""
    counts = ReachCounts()
    rows: list[tuple] = []
    region_of_branch = {branch.id: branch.region_id for branch in branches}

    def saved_at(day: date) -> datetime:
        return datetime.combine(day, time(17, 30), timezone).astimezone(UTC).replace(tzinfo=None)

    def add(kind, outlet, title, day, url, reads, forwards, branch_id, event_id) -> None:
        at = saved_at(day)
        rows.append(
            (
                kind.value,
                outlet,
                title,
                day,
                url,
                reads,
                forwards,
                branch_id,
                region_of_branch[branch_id],
                event_id,
                at,
                at,
            )
        )

    events = list(completed)
    if len(events) > ITEM_BUDGET:
        events = rng.sample(events, ITEM_BUDGET)
    start_of_today = datetime.combine(today, time())
    for event in events:
        held = (start_of_today + timedelta(minutes=event.start)).date()
        if held > today:
            continue
        title = event.title or "金融知识宣传"
        if rng.random() < ARTICLE_SHARE:
            day = min(today, held + timedelta(days=rng.randint(0, 3)))
            reads = int(rng.lognormvariate(6.3, 0.8))
            add(
                ReachKind.WECHAT_ARTICLE,
                f"{bank_name}青岛分行",
                f"{title}｜金融知识进万家",
                day,
                _article_url(rng),
                reads,
                int(reads * rng.uniform(0.01, 0.08)),
                event.branch_id,
                event.id,
            )
            counts.at_events += 1
        if rng.random() < VIDEO_SHARE:
            kind = rng.choice((ReachKind.VIDEO_CHANNEL, ReachKind.SHORT_VIDEO))
            views = int(rng.lognormvariate(7.0, 1.0))
            outlet = f"{bank_name}视频号" if kind is ReachKind.VIDEO_CHANNEL else "抖音"
            add(
                kind,
                outlet,
                title,
                min(today, held + timedelta(days=1)),
                "",
                views,
                int(views * rng.uniform(0.005, 0.04)),
                event.branch_id,
                event.id,
            )
            counts.at_events += 1
        if rng.random() < MEDIA_SHARE:
            day = min(today, held + timedelta(days=rng.randint(1, 4)))
            if rng.random() < 0.6:
                add(
                    ReachKind.NEWSPAPER,
                    rng.choice(NEWSPAPERS),
                    f"{title}走进基层",
                    day,
                    "",
                    None,
                    None,
                    event.branch_id,
                    event.id,
                )
            else:
                add(
                    ReachKind.BROADCAST,
                    rng.choice(BROADCASTERS),
                    f"{title}（新闻报道）",
                    day,
                    "",
                    None,
                    None,
                    event.branch_id,
                    event.id,
                )
            counts.at_events += 1

    for branch in branches:
        for _ in range(rng.randint(*OWN_ITEMS_PER_BRANCH)):
            day = today - timedelta(days=rng.randint(0, 360))
            choice = rng.random()
            if choice < 0.7:
                reads = int(rng.lognormvariate(6.0, 0.9))
                add(
                    ReachKind.WECHAT_ARTICLE,
                    f"{bank_name}青岛分行",
                    rng.choice(OWN_TITLES),
                    day,
                    _article_url(rng),
                    reads,
                    int(reads * rng.uniform(0.01, 0.06)),
                    branch.id,
                    None,
                )
            elif choice < 0.85:
                add(
                    ReachKind.WEBSITE,
                    rng.choice(WEBSITES),
                    rng.choice(OWN_TITLES),
                    day,
                    _news_url(rng, day),
                    int(rng.lognormvariate(5.0, 0.7)),
                    None,
                    branch.id,
                    None,
                )
            else:
                add(
                    ReachKind.NEWSPAPER,
                    rng.choice(NEWSPAPERS),
                    rng.choice(OWN_TITLES),
                    day,
                    "",
                    None,
                    None,
                    branch.id,
                    None,
                )
            counts.without_event += 1

    insert_rows(conn, ReachItem.__table__, COLUMNS, rows)
    return counts
