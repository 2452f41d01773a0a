"""quiz results by target group in the coverage rollups

The rollups now count quiz answers under the group a copy checked in with; recount them once
from the raw rows. The recount is this migration's own SQL, written for the tables as they are
at this revision (it imports nothing from the application, whose models will move on), and it
gives the same rows as ``flask rebuild-rollups`` did at this revision:

* own rows (``subtree`` false): per event region, branch, YYYYMM month of the start, kind and
  breakdown (``all``; ``group`` with a target group id; ``topic`` with a topic id), the sums
  over events that are not cancelled; rows whose figures are all zero are left out;
* subtree rows: the own rows summed into every region on the region's path, itself included.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

METRICS = (
    'events', 'events_completed', 'reached', 'copies', 'copies_scanned', 'scans', 'check_ins',
    'quiz_correct', 'quiz_total', 'feedback_sum', 'feedback_count',
)
KEY = ('region_id', 'branch_id', 'month', 'kind', 'dim', 'dim_id')

MONTH_OF_START = {
    'postgresql': "CAST(to_char(starts_at, 'YYYYMM') AS INTEGER)",
    'sqlite': "CAST(strftime('%Y%m', starts_at) AS INTEGER)",
}

# (breakdown, its id, the joined table and its condition, the metrics it gives)
SOURCES = (
    ('all', '0', '', {
        'events': '1',
        'events_completed': "CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END",
    }),
    ('all', '0', 'JOIN event_attendance x ON x.event_id = e.id', {'reached': 'x.headcount'}),
    ('all', '0', 'JOIN handout_scan x ON x.event_id = e.id', {
        'scans': '1',
        'copies_scanned': 'CASE WHEN x.is_first THEN 1 ELSE 0 END',
    }),
    ('all', '0', 'JOIN check_in x ON x.event_id = e.id', {'check_ins': '1'}),
    ('all', '0', 'JOIN quiz_submission x ON x.event_id = e.id', {
        'quiz_correct': 'x.correct',
        'quiz_total': 'x.total',
    }),
    ('all', '0', 'JOIN feedback x ON x.event_id = e.id', {
        'feedback_sum': 'x.rating',
        'feedback_count': '1',
    }),
    ('all', '0', 'JOIN print_run x ON x.event_id = e.id AND x.revoked_at IS NULL', {
        'copies': 'x.copies',
    }),
    ('group', 'x.target_group_id', 'JOIN event_target_group x ON x.event_id = e.id', {
        'events': '1',
    }),
    ('group', 'x.target_group_id', 'JOIN event_attendance x ON x.event_id = e.id', {
        'reached': 'x.headcount',
    }),
    ('group', 'x.target_group_id',
     'JOIN check_in x ON x.event_id = e.id AND x.target_group_id IS NOT NULL', {
        'check_ins': '1',
    }),
    ('group', 'x.target_group_id',
     'JOIN quiz_submission x ON x.event_id = e.id AND x.target_group_id IS NOT NULL', {
        'quiz_correct': 'x.correct',
        'quiz_total': 'x.total',
    }),
    ('topic', 'x.topic_id', 'JOIN event_topic x ON x.event_id = e.id', {'events': '1'}),
    ('topic', 'x.topic_id', 'JOIN quiz_submission x ON x.event_id = e.id', {
        'quiz_correct': 'x.correct',
        'quiz_total': 'x.total',
    }),
)


def _own_rows_sql(dialect):
    events = (
        "(SELECT id, region_id, branch_id, kind, status, {month} AS month FROM event"
        " WHERE status <> 'cancelled')"
    ).format(month=MONTH_OF_START[dialect])
    parts = []
    for dim, dim_id, join, values in SOURCES:
        columns = ', '.join(f'{values.get(name, "0")} AS {name}' for name in METRICS)
        parts.append(
            f"SELECT e.region_id, e.branch_id, e.month, e.kind, '{dim}' AS dim, "
            f"{dim_id} AS dim_id, {columns} FROM {events} e {join}"
        )
    sums = ', '.join(f'SUM(f.{name})' for name in METRICS)
    nonzero = ' OR '.join(f'SUM(f.{name}) <> 0' for name in METRICS)
    keys = ', '.join(f'f.{name}' for name in KEY)
    return (
        f"INSERT INTO coverage_rollup (subtree, {', '.join(KEY)}, {', '.join(METRICS)}) "
        f"SELECT :own, {keys}, {sums} FROM ({' UNION ALL '.join(parts)}) f "
        f"GROUP BY {keys} HAVING {nonzero}"
    )


SUBTREE_ROWS = (
    f"INSERT INTO coverage_rollup (subtree, {', '.join(KEY)}, {', '.join(METRICS)}) "
    f"SELECT :tree, a.id, o.branch_id, o.month, o.kind, o.dim, o.dim_id, "
    f"{', '.join(f'SUM(o.{name})' for name in METRICS)} "
    "FROM coverage_rollup o "
    "JOIN region r ON r.id = o.region_id "
    "JOIN region a ON r.path LIKE a.path || '%' "
    "WHERE o.subtree = :own "
    "GROUP BY a.id, o.branch_id, o.month, o.kind, o.dim, o.dim_id"
)


def upgrade():
    dialect = op.get_context().dialect.name
    op.execute(sa.text('DELETE FROM coverage_rollup'))
    op.execute(sa.text(_own_rows_sql(dialect)).bindparams(own=False))
    op.execute(sa.text(SUBTREE_ROWS).bindparams(own=False, tree=True))


def downgrade():
    # The extra rows are harmless to the older code, which never reads quiz results by group.
    pass
