"""handout ledger per event

An event's report now says what it handed out line by line: the coded copies of each print
run, and uncoded material (posters, booklets, leaflets, gifts, other) with a label. The one
number the report had, ``event.handouts_distributed``, becomes an uncoded line of material
"other" labelled 宣传资料 (a value of 0 or none gives no line, as the report stores no empty
line), and the column goes.

The coverage rollups get three counts (``handed_out``, ``materials_handed_out``,
``gifts_handed_out``) and the covering index is made again with them. The lines made here are
uncoded material, so only ``materials_handed_out`` has anything to count: it is filled from
the raw rows in this migration's own SQL (nothing is imported from the application), in the
own ``all`` rows of events that are not cancelled, then in the subtree rows. Every row to set
exists already, as a counted event has its ``events`` in the same row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

KEYS = ('region_id', 'subtree', 'dim', 'dim_id', 'month', 'kind', 'branch_id')
OLD_METRICS = (
    'events', 'events_completed', 'reached', 'copies', 'copies_scanned', 'scans', 'check_ins',
    'quiz_correct', 'quiz_total', 'feedback_sum', 'feedback_count',
)
NEW_METRICS = ('handed_out', 'materials_handed_out', 'gifts_handed_out')
MAX_QUANTITY = 1000000
OLD_LABEL = '宣传资料'

MONTH_OF_START = {
    'postgresql': "CAST(to_char(e.starts_at, 'YYYYMM') AS INTEGER)",
    'sqlite': "CAST(strftime('%Y%m', e.starts_at) AS INTEGER)",
}

LINES_FROM_THE_OLD_NUMBER = (
    "INSERT INTO handout_ledger_line (event_id, print_run_id, material, label, quantity) "
    "SELECT id, NULL, 'other', :label, handouts_distributed FROM event"
    f" WHERE handouts_distributed BETWEEN 1 AND {MAX_QUANTITY} ORDER BY id"
)

OWN_ROWS = (
    "UPDATE coverage_rollup SET materials_handed_out = c.quantity "
    "FROM ("
    " SELECT e.region_id, e.branch_id, {month} AS month, e.kind, SUM(x.quantity) AS quantity"
    " FROM event e JOIN handout_ledger_line x ON x.event_id = e.id"
    " WHERE e.status <> 'cancelled' AND x.material IN ('poster', 'booklet', 'leaflet', 'other')"
    " GROUP BY e.region_id, e.branch_id, {month}, e.kind) c "
    "WHERE coverage_rollup.subtree = :own AND coverage_rollup.dim = 'all'"
    " AND coverage_rollup.dim_id = 0"
    " AND coverage_rollup.region_id = c.region_id AND coverage_rollup.branch_id = c.branch_id"
    " AND coverage_rollup.month = c.month AND coverage_rollup.kind = c.kind"
)

# A subtree row holds the own rows of its region and of every region below it (path prefix).
SUBTREE_ROWS = (
    "UPDATE coverage_rollup SET materials_handed_out = c.quantity "
    "FROM ("
    " SELECT a.id AS region_id, o.branch_id, o.month, o.kind, SUM(o.materials_handed_out)"
    "  AS quantity"
    " FROM coverage_rollup o"
    " JOIN region r ON r.id = o.region_id"
    " JOIN region a ON r.path LIKE a.path || '%'"
    " WHERE o.subtree = :own AND o.dim = 'all' AND o.materials_handed_out <> 0"
    " GROUP BY a.id, o.branch_id, o.month, o.kind) c "
    "WHERE coverage_rollup.subtree = :tree AND coverage_rollup.dim = 'all'"
    " AND coverage_rollup.dim_id = 0"
    " AND coverage_rollup.region_id = c.region_id AND coverage_rollup.branch_id = c.branch_id"
    " AND coverage_rollup.month = c.month AND coverage_rollup.kind = c.kind"
)

# The older code's one number: everything the event's lines say was handed out.
NUMBER_FROM_THE_LINES = (
    "UPDATE event SET handouts_distributed = ("
    " SELECT SUM(x.quantity) FROM handout_ledger_line x"
    " WHERE x.event_id = event.id) "
    "WHERE EXISTS (SELECT 1 FROM handout_ledger_line x WHERE x.event_id = event.id)"
)


def _cover_index(batch_op, metrics):
    batch_op.create_index('ix_coverage_rollup_cover', [*KEYS, *metrics], unique=False)


def upgrade():
    dialect = op.get_context().dialect.name
    op.create_table(
        'handout_ledger_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('print_run_id', sa.Integer(), nullable=True),
        sa.Column(
            'material',
            sa.Enum(
                'poster', 'booklet', 'leaflet', 'gift', 'other',
                name='handoutmaterial', native_enum=False, length=16,
            ),
            nullable=True,
        ),
        sa.Column('label', sa.String(length=40), server_default='', nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f'quantity BETWEEN 1 AND {MAX_QUANTITY}',
            name=op.f('ck_handout_ledger_line_quantity_range'),
        ),
        sa.CheckConstraint(
            '(print_run_id IS NULL) <> (material IS NULL)',
            name=op.f('ck_handout_ledger_line_coded_or_material'),
        ),
        sa.ForeignKeyConstraint(
            ['event_id'], ['event.id'], name=op.f('fk_handout_ledger_line_event_id_event')
        ),
        sa.ForeignKeyConstraint(
            ['print_run_id'], ['print_run.id'],
            name=op.f('fk_handout_ledger_line_print_run_id_print_run'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handout_ledger_line')),
        sa.UniqueConstraint('print_run_id', name=op.f('uq_handout_ledger_line_print_run_id')),
    )
    with op.batch_alter_table('handout_ledger_line', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_handout_ledger_line_event_id'), ['event_id'], unique=False
        )

    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_rollup_cover')
        for name in NEW_METRICS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), server_default='0', nullable=False)
            )
    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        _cover_index(batch_op, (*OLD_METRICS, *NEW_METRICS))

    op.execute(sa.text(LINES_FROM_THE_OLD_NUMBER).bindparams(label=OLD_LABEL))
    op.execute(
        sa.text(OWN_ROWS.format(month=MONTH_OF_START[dialect])).bindparams(own=False)
    )
    op.execute(sa.text(SUBTREE_ROWS).bindparams(own=False, tree=True))

    # Plain ALTER TABLE on both databases (SQLite 3.35 and later drop a column in place): a
    # batch operation would copy the event table, which other tables' rows refer to.
    op.execute(sa.text('ALTER TABLE event DROP COLUMN handouts_distributed'))


def downgrade():
    op.add_column('event', sa.Column('handouts_distributed', sa.Integer(), nullable=True))
    op.execute(sa.text(NUMBER_FROM_THE_LINES))

    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_rollup_cover')
    for name in reversed(NEW_METRICS):
        op.execute(sa.text(f'ALTER TABLE coverage_rollup DROP COLUMN {name}'))
    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        _cover_index(batch_op, OLD_METRICS)

    with op.batch_alter_table('handout_ledger_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handout_ledger_line_event_id'))
    op.drop_table('handout_ledger_line')
