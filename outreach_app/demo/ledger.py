"""Demo handout ledgers: what each completed event's report says it handed out.

Most of a run's coded copies (never more than were printed), and for a share of the events
booklets, posters, leaflets and gifts (宣传品) of a named kind, sized by the people counted.
Rows go in through the driver's executemany (``demo.bulk``), like the rest of the demo data;
the caller recounts the rollups afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sqlalchemy import Connection, func, select

from outreach_app.demo.bulk import insert_rows
from outreach_app.events.models import Event, EventAttendance, EventStatus
from outreach_app.handouts.kinds import HandoutMaterial
from outreach_app.handouts.models import HandoutLedgerLine, PrintRun

GIFT_KINDS = ("环保袋", "防诈骗宣传扇", "反诈台历", "折叠雨伞", "笔记本", "钥匙扣", "纸巾")
# Share of completed events handing out each kind of uncoded material.
MATERIAL_SHARES = {
    HandoutMaterial.BOOKLET: 0.45,
    HandoutMaterial.GIFT: 0.35,
    HandoutMaterial.LEAFLET: 0.2,
    HandoutMaterial.POSTER: 0.15,
}
BATCH = 5000
COLUMNS = ("event_id", "print_run_id", "material", "label", "quantity")


@dataclass
class LedgerCounts:
    """How many ledger lines the demo wrote, and what they add up to."""

    lines: int = 0
    coded: int = 0
    materials: int = 0
    gifts: int = 0


def _quantity(material: HandoutMaterial, people: int, random: Random) -> int:
    """A plausible quantity of ``material`` for an event that reached ``people``."""
    if material is HandoutMaterial.POSTER:
        return 2 + int(random.random() * 5)
    share = {HandoutMaterial.BOOKLET: 0.5, HandoutMaterial.GIFT: 0.4}.get(material, 0.3)
    return max(1, int(people * share * (0.6 + 0.8 * random.random())))


def generate_ledger(conn: Connection, rng: Random) -> LedgerCounts:
    """A ledger for every completed event, in event id order (deterministic for a seed)."""
    counts = LedgerCounts()
    people = dict(
        conn.execute(
            select(Event.id, func.coalesce(func.sum(EventAttendance.headcount), 0))
            .outerjoin(EventAttendance, EventAttendance.event_id == Event.id)
            .where(Event.status == EventStatus.COMPLETED)
            .group_by(Event.id)
            .order_by(Event.id)
        ).all()
    )
    runs: dict[int, list[tuple[int, int]]] = {}
    stmt = select(PrintRun.id, PrintRun.event_id, PrintRun.copies).order_by(PrintRun.id)
    for run_id, event_id, copies in conn.execute(stmt):
        runs.setdefault(event_id, []).append((run_id, copies))
    table = HandoutLedgerLine.__table__
    batch: list[tuple[int, int | None, str | None, str, int]] = []

    def add(
        event_id: int,
        quantity: int,
        run_id: int | None = None,
        material: str | None = None,
        label: str = "",
    ) -> None:
        batch.append((event_id, run_id, material, label, quantity))
        counts.lines += 1
        if len(batch) >= BATCH:
            insert_rows(conn, table, COLUMNS, batch)
            batch.clear()

    for event_id, reached in people.items():
        for run_id, copies in runs.get(event_id, ()):
            # Some copies are left over; a well-attended event hands out nearly all.
            handed_out = min(copies, max(1, int(copies * (0.6 + 0.38 * rng.random()))))
            add(event_id, handed_out, run_id=run_id)
            counts.coded += handed_out
        for material, share in MATERIAL_SHARES.items():
            if rng.random() >= share:
                continue
            quantity = _quantity(material, max(int(reached), 5), rng)
            label = ""
            if material is HandoutMaterial.GIFT:
                label = GIFT_KINDS[int(rng.random() * len(GIFT_KINDS))]
                counts.gifts += quantity
            else:
                counts.materials += quantity
            add(event_id, quantity, material=material.value, label=label)
    insert_rows(conn, table, COLUMNS, batch)
    return counts
