"""paper sign-in: the sheets' page images, head counts read off them, and their rollup count

Three new tables: ``sign_in_sheet`` (one upload of an event's paper sign-in sheet, a photo or
a PDF), ``sign_in_sheet_page`` (its re-encoded page images, by random file name) and
``event_paper_attendance`` (head counts per target group read off the sheet, apart from the
staff's own count). The rollups get one count, ``signed_on_paper``; the new tables start empty,
so it is 0 in every existing row, as a recount would give, and nothing else is filled. The
covering index of the coverage page lists every count, so it is made again with the new one at
its end. Plain operations on SQLite and PostgreSQL alike; nothing is imported from the
application.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

KEY = ('region_id', 'subtree', 'dim', 'dim_id', 'month', 'kind', 'branch_id')
METRICS = (
    'events', 'events_completed', 'reached', 'copies', 'copies_scanned', 'scans', 'check_ins',
    'quiz_correct', 'quiz_total', 'feedback_sum', 'feedback_count',
    'handed_out', 'materials_handed_out', 'gifts_handed_out',
    'problems_raised', 'problems_resolved', 'problems_resolved_late',
    'online_reads', 'online_forwards', 'media_reports',
)
NEW_METRICS = ('signed_on_paper',)
COVER = 'ix_coverage_rollup_cover'


def upgrade():
    op.create_table('event_paper_attendance',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.CheckConstraint('headcount >= 0', name=op.f('ck_event_paper_attendance_headcount_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_paper_attendance_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_group.id'], name=op.f('fk_event_paper_attendance_target_group_id_target_group')),
    sa.PrimaryKeyConstraint('event_id', 'target_group_id', name=op.f('pk_event_paper_attendance'))
    )
    op.create_table('sign_in_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('sent_as', sa.String(length=8), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_sign_in_sheet_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_sign_in_sheet_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sheet'))
    )
    op.create_index('ix_sign_in_sheet_event_id', 'sign_in_sheet', ['event_id'], unique=False)
    op.create_table('sign_in_sheet_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sheet_id'], ['sign_in_sheet.id'], name=op.f('fk_sign_in_sheet_page_sheet_id_sign_in_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sheet_page')),
    sa.UniqueConstraint('file_name', name=op.f('uq_sign_in_sheet_page_file_name')),
    sa.UniqueConstraint('sheet_id', 'number', name=op.f('uq_sign_in_sheet_page_sheet_id_number'))
    )

    # ADD COLUMN with a constant default, not a batch copy of a table that may be large.
    for name in NEW_METRICS:
        op.add_column('coverage_rollup', sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    op.drop_index(COVER, table_name='coverage_rollup')
    op.create_index(COVER, 'coverage_rollup', [*KEY, *METRICS, *NEW_METRICS], unique=False)


def downgrade():
    op.drop_index(COVER, table_name='coverage_rollup')
    op.create_index(COVER, 'coverage_rollup', [*KEY, *METRICS], unique=False)
    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        for name in reversed(NEW_METRICS):
            batch_op.drop_column(name)
    op.drop_table('sign_in_sheet_page')
    op.drop_index('ix_sign_in_sheet_event_id', table_name='sign_in_sheet')
    op.drop_table('sign_in_sheet')
    op.drop_table('event_paper_attendance')
