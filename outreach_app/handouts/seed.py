"""Put the shipped handouts into the content library as version 1 (used by migration 0004).

Written with SQLAlchemy Core tables rather than the ORM models, so the migration that calls it
keeps working whatever the models later become.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from outreach_app.handouts.content import HANDOUTS

#: When the shipped texts were written; fixed so that loading them is deterministic.
SHIPPED_AT = datetime(2026, 11, 27)

_handout = sa.table(
    "handout",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("language", sa.String),
    sa.column("topic_id", sa.Integer),
    sa.column("target_group_id", sa.Integer),
    sa.column("is_active", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)
_version = sa.table(
    "handout_version",
    sa.column("handout_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("title", sa.String),
    sa.column("lead", sa.Text),
    sa.column("tips", sa.JSON),
    sa.column("never_ask", sa.String),
    sa.column("note", sa.String),
    sa.column("created_at", sa.DateTime),
)


def insert_shipped_handouts(connection: Connection) -> int:
    """Insert every shipped handout that is not in the library yet; return how many were added."""
    topics = dict(connection.execute(sa.text("SELECT code, id FROM topic")).all())
    groups = dict(connection.execute(sa.text("SELECT code, id FROM target_group")).all())
    present = set(connection.execute(sa.select(_handout.c.code, _handout.c.language)).all())
    added = 0
    for text in HANDOUTS:
        if (text.code, text.language) in present:
            continue
        group_id = groups[text.target_group_code] if text.target_group_code else None
        handout_id = connection.execute(
            _handout.insert().returning(_handout.c.id),
            {
                "code": text.code,
                "language": text.language,
                "topic_id": topics[text.topic_code],
                "target_group_id": group_id,
                "is_active": True,
                "created_at": SHIPPED_AT,
            },
        ).scalar_one()
        connection.execute(
            _version.insert(),
            {
                "handout_id": handout_id,
                "number": 1,
                "title": text.title,
                "lead": text.lead,
                "tips": list(text.tips),
                "never_ask": text.never_ask,
                "note": "",
                "created_at": SHIPPED_AT,
            },
        )
        added += 1
    return added
