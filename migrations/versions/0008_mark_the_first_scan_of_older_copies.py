"""mark the first scan of copies scanned before 0005, and recount copies scanned

Revision 0005 added ``handout_scan.is_first`` with false for every scan already there, so the
copies scanned before it never counted as scanned. Here the earliest scan of every copy (by
time, then id) becomes its first scan and every other scan of it is not, then the rollups'
``copies_scanned`` is recounted from those marks: the own rows per event region, branch, month
and kind, then the subtree rows from the own rows. Plain SQL for this revision's tables, on
SQLite and PostgreSQL alike; nothing is imported from the application.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MONTH_OF_START = {
    'postgresql': "CAST(to_char(e.starts_at, 'YYYYMM') AS INTEGER)",
    'sqlite': "CAST(strftime('%Y%m', e.starts_at) AS INTEGER)",
}

EARLIEST_SCANS = (
    "SELECT id FROM ("
    " SELECT id, ROW_NUMBER() OVER ("
    "  PARTITION BY print_run_id, serial ORDER BY scanned_at, id) AS position"
    " FROM handout_scan) ranked "
    "WHERE position = 1"
)

# Unmark first, then mark: the partial unique index allows one first scan per copy at any time.
UNMARK_LATER_SCANS = (
    f"UPDATE handout_scan SET is_first = :no WHERE is_first AND id NOT IN ({EARLIEST_SCANS})"
)
MARK_EARLIEST_SCANS = (
    f"UPDATE handout_scan SET is_first = :yes WHERE NOT is_first AND id IN ({EARLIEST_SCANS})"
)

CLEAR_COPIES_SCANNED = (
    "UPDATE coverage_rollup SET copies_scanned = 0 WHERE dim = 'all' AND copies_scanned <> 0"
)

# Every copy scanned has scans, so the rows to set exist already (the recount of 0007 or the
# application wrote them along with the scans).
OWN_COPIES_SCANNED = (
    "UPDATE coverage_rollup SET copies_scanned = c.copies "
    "FROM ("
    " SELECT e.region_id, e.branch_id, {month} AS month, e.kind, COUNT(*) AS copies"
    " FROM handout_scan s JOIN event e ON e.id = s.event_id"
    " WHERE s.is_first AND e.status <> 'cancelled'"
    " GROUP BY e.region_id, e.branch_id, {month}, e.kind) c "
    "WHERE coverage_rollup.subtree = :own AND coverage_rollup.dim = 'all'"
    " AND coverage_rollup.dim_id = 0"
    " AND coverage_rollup.region_id = c.region_id AND coverage_rollup.branch_id = c.branch_id"
    " AND coverage_rollup.month = c.month AND coverage_rollup.kind = c.kind"
)

# A subtree row holds the own rows of its region and of every region below it (path prefix).
SUBTREE_COPIES_SCANNED = (
    "UPDATE coverage_rollup SET copies_scanned = c.copies "
    "FROM ("
    " SELECT a.id AS region_id, o.branch_id, o.month, o.kind,"
    "  SUM(o.copies_scanned) AS copies"
    " FROM coverage_rollup o"
    " JOIN region r ON r.id = o.region_id"
    " JOIN region a ON r.path LIKE a.path || '%'"
    " WHERE o.subtree = :own AND o.dim = 'all' AND o.copies_scanned <> 0"
    " GROUP BY a.id, o.branch_id, o.month, o.kind) c "
    "WHERE coverage_rollup.subtree = :tree AND coverage_rollup.dim = 'all'"
    " AND coverage_rollup.dim_id = 0"
    " AND coverage_rollup.region_id = c.region_id AND coverage_rollup.branch_id = c.branch_id"
    " AND coverage_rollup.month = c.month AND coverage_rollup.kind = c.kind"
)


def upgrade():
    month = MONTH_OF_START[op.get_context().dialect.name]
    op.execute(sa.text(UNMARK_LATER_SCANS).bindparams(no=False))
    op.execute(sa.text(MARK_EARLIEST_SCANS).bindparams(yes=True))
    op.execute(sa.text(CLEAR_COPIES_SCANNED))
    op.execute(sa.text(OWN_COPIES_SCANNED.format(month=month)).bindparams(own=False))
    op.execute(sa.text(SUBTREE_COPIES_SCANNED).bindparams(own=False, tree=True))


def downgrade():
    # The marks and counts are right for the older code as well: nothing to undo.
    pass
