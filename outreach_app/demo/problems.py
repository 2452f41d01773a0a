"""Demo problems raised at completed events, followed up as a branch would.

Roughly one completed event in six has a problem or two, raised on the event's day and due
``PROBLEM_DAYS_TO_CLOSE`` days later, owned by a member of the event's branch (often the demo
staff login, who is first in their branch's list). Most are closed in time, some late; of those
still open some are overdue. A few recent open ones carry a callback number the customer agreed
to; closed ones never do (closing deletes it), nor do those open longer than the retention
period (``flask purge`` clears them). Nothing names a customer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from outreach_app.demo.bulk import reset_sequences
from outreach_app.demo.events import CompletedEvent
from outreach_app.problems.models import Problem, ProblemCategory, ProblemStatus

EVENT_SHARE = 1 / 6
# What customers ask about at outreach events, by category, and what they were told.
QUESTIONS: dict[ProblemCategory, tuple[tuple[str, str], ...]] = {
    ProblemCategory.FEES: (
        (
            "老人询问银行卡年费和小额账户管理费能否免收。",
            "已说明本行对老年客户的减免政策，并协助在网点办理免收手续。",
        ),
        ("客户反映跨行转账手续费看不懂，希望说明收费标准。", "已电话解释收费标准并寄送费用说明。"),
    ),
    ProblemCategory.PRODUCTS: (
        (
            "居民询问保本理财是否还有，担心把理财当存款。",
            "已说明理财产品不保本，并介绍存款与理财的区别。",
        ),
        (
            "客户想了解养老储蓄产品，问能否提前支取。",
            "已由理财经理上门讲解产品条款和提前支取规则。",
        ),
    ),
    ProblemCategory.SERVICE: (
        (
            "居民反映网点排队时间长，老人站着等不住。",
            "网点已增设爱心座椅和老年人优先窗口，已回复居委会。",
        ),
        ("客户说手机银行升级后找不到转账入口。", "已到社区现场演示新版手机银行的大字版操作。"),
    ),
    ProblemCategory.FRAUD: (
        (
            "老人说接到自称社保局的电话，要求提供银行卡号“激活养老金”。",
            "已确认为诈骗电话，提醒拨打96110，并与家属沟通加强防范。",
        ),
        (
            "学生反映有人高价收购银行卡，问会不会有事。",
            "已讲解出租出借银行卡涉嫌帮信罪，学校已开展专题提醒。",
        ),
        (
            "居民收到“刷单返利”邀请，已经转过一次小额款。",
            "已协助报警并拨打96110，账户已做风险提示。",
        ),
    ),
    ProblemCategory.ACCESSIBILITY: (
        (
            "轮椅使用者反映网点门口台阶没有坡道。",
            "网点已安装移动坡道和呼叫铃，已回访确认可以使用。",
        ),
        ("听障居民希望有文字或手语服务。", "已开通视频手语服务，并告知预约方式。"),
    ),
    ProblemCategory.COMPLAINT_CHANNEL: (
        (
            "客户不知道对银行服务不满意该向哪里投诉。",
            "已告知客服热线、网点投诉电话和监管投诉渠道。",
        ),
    ),
    ProblemCategory.OTHER: (
        ("村民希望宣讲活动能安排在农闲时节。", "已调整下季度进村宣讲时间，并通知村委会。"),
    ),
}
CATEGORIES = tuple(QUESTIONS)


# A problem left open this many days past its due date is closed (on its due day or later) by
# the demo's today.
STILL_OPEN_DAYS = 60


def _utc(day: date, hour: int, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, 0), timezone).astimezone(UTC)


def generate_problems(
    conn: Connection,
    rng: Random,
    events: Sequence[CompletedEvent],
    *,
    today: date,
    timezone: ZoneInfo,
    staff_by_branch: Mapping[int, Sequence[int]],
    days_to_close: int,
    callback_days: int,
) -> int:
    """Insert the demo problems of a share of ``events`` (completed events); return how many."""
    rows = []
    problem_id = 1
    for event in events:
        staff = staff_by_branch.get(event.branch_id) or ()
        if not staff or rng.random() >= EVENT_SHARE:
            continue
        raised = (datetime.combine(today, time()) + timedelta(minutes=event.start)).date()
        if raised > today:
            continue
        for _ in range(1 if rng.random() < 0.7 else 2):
            category = CATEGORIES[int(rng.random() * len(CATEGORIES))]
            description, answer = rng.choice(QUESTIONS[category])
            owner = staff[0] if rng.random() < 0.5 else rng.choice(staff)
            due = raised + timedelta(days=days_to_close)
            roll = rng.random()
            # Most closed in time, some late; the rest open (overdue once past the due date).
            if roll < 0.72:
                closed_on = raised + timedelta(days=rng.randint(0, days_to_close))
            elif roll < 0.86:
                closed_on = due + timedelta(days=rng.randint(1, 9))
            else:
                closed_on = None
            # Long overdue problems get closed in the end: only those of the last two months or so
            # are still open now.
            if closed_on is None and (today - due).days > STILL_OPEN_DAYS:
                late = rng.random() < 0.5
                closed_on = due + timedelta(days=rng.randint(1, STILL_OPEN_DAYS) if late else 0)
            # The last weeks' problems are often still being worked on.
            recent = (today - raised).days < callback_days
            if closed_on is not None and (closed_on > today or (recent and rng.random() < 0.4)):
                closed_on = None
            is_open = closed_on is None
            # Closing deletes the number, and so does the retention rule once it is kept longer.
            kept = is_open and recent
            consent = rng.random() < (0.6 if kept else 0.2)
            phone = f"1380013{rng.randint(0, 9999):04d}" if consent and kept else ""
            rows.append(
                {
                    "id": problem_id,
                    "event_id": event.id,
                    "category": category,
                    "description": description,
                    "owner_id": owner,
                    "raised_on": raised,
                    "due_on": due,
                    "status": ProblemStatus.OPEN if is_open else ProblemStatus.CLOSED,
                    "callback_consent": consent,
                    "callback_phone": phone,
                    "answer": "" if is_open else answer,
                    "closed_on": closed_on,
                    "closed_at": None if is_open else _utc(closed_on, 17, timezone),
                    "closed_by_id": None if is_open else owner,
                    "created_by_id": owner,
                    "created_at": _utc(raised, 12, timezone),
                }
            )
            problem_id += 1
    if rows:
        conn.execute(insert(Problem.__table__), rows)
    reset_sequences(conn, [Problem.__table__])
    return len(rows)
