"""problems raised at events, and their counts in the coverage rollups

A new table of the problems customers raise at events (category, description, owner, due
date, answer, an optional callback number given with consent), and three counts in the
rollups: problems raised, resolved, and resolved after their due date. The table starts
empty, so the new columns are 0 in every existing row, as a recount would give; nothing else
is filled. The covering index of the coverage page lists every count, so it is made again with
the three new ones at its end. Plain operations on SQLite and PostgreSQL alike; nothing is
imported from the application.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

KEY = ('region_id', 'subtree', 'dim', 'dim_id', 'month', 'kind', 'branch_id')
METRICS = (
    'events', 'events_completed', 'reached', 'copies', 'copies_scanned', 'scans', 'check_ins',
    'quiz_correct', 'quiz_total', 'feedback_sum', 'feedback_count',
    'handed_out', 'materials_handed_out', 'gifts_handed_out',
)
NEW_METRICS = ('problems_raised', 'problems_resolved', 'problems_resolved_late')
COVER = 'ix_coverage_rollup_cover'


def upgrade():
    op.create_table('problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('fees', 'products', 'service', 'fraud', 'accessibility', 'complaint_channel', 'other', name='problemcategory', native_enum=False, length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='problemstatus', native_enum=False, length=16), nullable=False),
    sa.Column('callback_consent', sa.Boolean(), nullable=False),
    sa.Column('callback_phone', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(status = 'open' AND closed_on IS NULL) OR (status = 'closed' AND closed_on IS NOT NULL)", name=op.f('ck_problem_closed_has_date')),
    sa.CheckConstraint("callback_phone = '' OR callback_consent", name=op.f('ck_problem_callback_needs_consent')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_problem_closed_by_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_problem_created_by_id_user')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_problem_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_problem_owner_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem'))
    )
    op.create_index('ix_problem_event_id', 'problem', ['event_id'], unique=False)
    op.create_index('ix_problem_owner_status_due', 'problem', ['owner_id', 'status', 'due_on'], unique=False)
    op.create_index('ix_problem_status_due_event', 'problem', ['status', 'due_on', 'event_id'], unique=False)

    # ADD COLUMN with a constant default, not a batch copy of a table that may be large.
    for name in NEW_METRICS:
        op.add_column('coverage_rollup', sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    op.drop_index(COVER, table_name='coverage_rollup')
    op.create_index(COVER, 'coverage_rollup', [*KEY, *METRICS, *NEW_METRICS], unique=False)


def downgrade():
    op.drop_index(COVER, table_name='coverage_rollup')
    # Plain ALTER TABLE on both databases (SQLite 3.35 and later drop a column in place), not a
    # batch copy of the table; no index holds the columns any more.
    for name in reversed(NEW_METRICS):
        op.execute(sa.text(f'ALTER TABLE coverage_rollup DROP COLUMN {name}'))
    op.create_index(COVER, 'coverage_rollup', [*KEY, *METRICS], unique=False)
    op.drop_index('ix_problem_status_due_event', table_name='problem')
    op.drop_index('ix_problem_owner_status_due', table_name='problem')
    op.drop_index('ix_problem_event_id', table_name='problem')
    op.drop_table('problem')
