"""completed events by target group and by topic in the coverage rollups

Coverage now shows events held (completed) apart from events planned for every target group
and topic too, so the rollups' ``group`` and ``topic`` rows count ``events_completed`` as the
``all`` rows always did. Count them once from the raw rows: the own rows per event region,
branch, month, kind and group (or topic), then the subtree rows from the own rows. Every row
to set exists already (a completed event counts in ``events`` of the same row). Plain SQL for
this revision's tables, on SQLite and PostgreSQL alike; nothing is imported from the
application.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MONTH_OF_START = {
    'postgresql': "CAST(to_char(e.starts_at, 'YYYYMM') AS INTEGER)",
    'sqlite': "CAST(strftime('%Y%m', e.starts_at) AS INTEGER)",
}

# (breakdown, the link table, its column naming the group or topic)
BREAKDOWNS = (
    ('group', 'event_target_group', 'target_group_id'),
    ('topic', 'event_topic', 'topic_id'),
)

CLEAR = (
    "UPDATE coverage_rollup SET events_completed = 0"
    " WHERE dim IN ('group', 'topic') AND events_completed <> 0"
)

OWN_ROWS = (
    "UPDATE coverage_rollup SET events_completed = c.completed "
    "FROM ("
    " SELECT e.region_id, e.branch_id, {month} AS month, e.kind, x.{column} AS dim_id,"
    "  COUNT(*) AS completed"
    " FROM event e JOIN {table} x ON x.event_id = e.id"
    " WHERE e.status = 'completed'"
    " GROUP BY e.region_id, e.branch_id, {month}, e.kind, x.{column}) c "
    "WHERE coverage_rollup.subtree = :own AND coverage_rollup.dim = :dim"
    " AND coverage_rollup.region_id = c.region_id AND coverage_rollup.branch_id = c.branch_id"
    " AND coverage_rollup.month = c.month AND coverage_rollup.kind = c.kind"
    " AND coverage_rollup.dim_id = c.dim_id"
)

# A subtree row holds the own rows of its region and of every region below it (path prefix).
SUBTREE_ROWS = (
    "UPDATE coverage_rollup SET events_completed = c.completed "
    "FROM ("
    " SELECT a.id AS region_id, o.branch_id, o.month, o.kind, o.dim, o.dim_id,"
    "  SUM(o.events_completed) AS completed"
    " FROM coverage_rollup o"
    " JOIN region r ON r.id = o.region_id"
    " JOIN region a ON r.path LIKE a.path || '%'"
    " WHERE o.subtree = :own AND o.dim IN ('group', 'topic') AND o.events_completed <> 0"
    " GROUP BY a.id, o.branch_id, o.month, o.kind, o.dim, o.dim_id) c "
    "WHERE coverage_rollup.subtree = :tree"
    " AND coverage_rollup.region_id = c.region_id AND coverage_rollup.branch_id = c.branch_id"
    " AND coverage_rollup.month = c.month AND coverage_rollup.kind = c.kind"
    " AND coverage_rollup.dim = c.dim AND coverage_rollup.dim_id = c.dim_id"
)


def upgrade():
    month = MONTH_OF_START[op.get_context().dialect.name]
    op.execute(sa.text(CLEAR))
    for dim, table, column in BREAKDOWNS:
        statement = OWN_ROWS.format(month=month, table=table, column=column)
        op.execute(sa.text(statement).bindparams(own=False, dim=dim))
    op.execute(sa.text(SUBTREE_ROWS).bindparams(own=False, tree=True))


def downgrade():
    # The older code counts no completed events by group or topic: its recount has zeros there.
    op.execute(sa.text(CLEAR))
