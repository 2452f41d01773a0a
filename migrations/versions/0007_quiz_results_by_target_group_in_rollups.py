"""quiz results by target group in the coverage rollups

The rollups now count quiz answers under the group a copy checked in with; recount them once
from the raw rows (the same as ``flask rebuild-rollups``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:00:00

"""
from alembic import op
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    from outreach_app.coverage.rollups import rebuild_all

    session = Session(bind=op.get_bind())
    rebuild_all(session)
    session.flush()


def downgrade():
    # The extra rows are harmless to the older code, which never reads quiz results by group.
    pass
