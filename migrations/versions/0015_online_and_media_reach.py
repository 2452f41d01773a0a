"""online and media reach: reach items, and their counts in the coverage rollups

A reach item is an article, video or media report about a branch's outreach, at one of its
events or without one, with its reads and forwards. The rollups count them in three new
columns (online_reads, online_forwards, media_reports); there are no items yet, so every row
starts at 0. The covering index lists every count column, so it is dropped and made again
with the new ones at the end, in registry order. Plain SQL types; nothing is imported from the
application.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KEYS = ['region_id', 'subtree', 'dim', 'dim_id', 'month', 'kind', 'branch_id']
COUNTS_BEFORE = [
    'events', 'events_completed', 'reached', 'copies', 'copies_scanned', 'scans',
    'check_ins', 'quiz_correct', 'quiz_total', 'feedback_sum', 'feedback_count',
    'handed_out', 'materials_handed_out', 'gifts_handed_out',
    'problems_raised', 'problems_resolved', 'problems_resolved_late',
]
NEW_COUNTS = ['online_reads', 'online_forwards', 'media_reports']


def upgrade():
    op.create_table('reach_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('wechat_article', 'video_channel', 'short_video', 'website', 'newspaper', 'broadcast', name='reachkind', native_enum=False, length=16), nullable=False),
    sa.Column('outlet', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('reads', sa.Integer(), nullable=True),
    sa.Column('forwards', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('reads IS NULL OR reads >= 0', name=op.f('ck_reach_item_reads_not_negative')),
    sa.CheckConstraint('forwards IS NULL OR forwards >= 0', name=op.f('ck_reach_item_forwards_not_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_reach_item_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_reach_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_reach_item_event_id_event')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_reach_item_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reach_item'))
    )
    with op.batch_alter_table('reach_item', schema=None) as batch_op:
        batch_op.create_index('ix_reach_item_branch_published', ['branch_id', 'published_on'], unique=False)
        batch_op.create_index('ix_reach_item_region_published', ['region_id', 'published_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reach_item_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_rollup_cover')
        for name in NEW_COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_coverage_rollup_cover', KEYS + COUNTS_BEFORE + NEW_COUNTS, unique=False)


def downgrade():
    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_rollup_cover')
    with op.batch_alter_table('coverage_rollup', schema=None) as batch_op:
        for name in reversed(NEW_COUNTS):
            batch_op.drop_column(name)
        batch_op.create_index('ix_coverage_rollup_cover', KEYS + COUNTS_BEFORE, unique=False)

    with op.batch_alter_table('reach_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reach_item_event_id'))
        batch_op.drop_index('ix_reach_item_region_published')
        batch_op.drop_index('ix_reach_item_branch_published')
    op.drop_table('reach_item')
