"""recent scans: a reload of one copy from one client address within minutes counts once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recent_scan',
    sa.Column('reader_key', sa.String(length=16), nullable=False),
    sa.Column('counted_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('reader_key', name=op.f('pk_recent_scan'))
    )
    with op.batch_alter_table('recent_scan', schema=None) as batch_op:
        batch_op.create_index('ix_recent_scan_counted_at', ['counted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('recent_scan', schema=None) as batch_op:
        batch_op.drop_index('ix_recent_scan_counted_at')

    op.drop_table('recent_scan')
