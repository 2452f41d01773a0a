"""audit action names in one style, noun.verb (print_run.create, user.deactivate)

The audit log's actions were written two ways: ``print_run.create`` and ``region.update``
beside ``user_created``, ``event_status`` and ``login_failed``; ``handout.version`` had the
shape but no verb and becomes ``handout.add_version``. Stored rows take the new names, so
that an object's history and the retention purge (``login.fail``) find old entries as well as
new ones. Names that had the new style already stay. Plain SQL, on SQLite and PostgreSQL
alike; nothing is imported from the application.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# old name → new name
RENAMES = (
    ('login', 'login.succeed'),
    ('login_failed', 'login.fail'),
    ('login_refused', 'login.refuse'),
    ('password_changed', 'password.change'),
    ('sessions_revoked', 'sessions.revoke'),
    ('data_purged', 'data.purge'),
    ('event_created', 'event.create'),
    ('event_updated', 'event.update'),
    ('event_status', 'event.change_status'),
    ('event_changed_after_completion', 'event.change_after_completion'),
    ('event_report_saved', 'event_report.save'),
    ('event_photo_added', 'event_photo.add'),
    ('event_photo_deleted', 'event_photo.delete'),
    ('partner_created', 'partner.create'),
    ('partner_updated', 'partner.update'),
    ('partner_archived', 'partner.archive'),
    ('partner_restored', 'partner.restore'),
    ('user_created', 'user.create'),
    ('user_updated', 'user.update'),
    ('user_activated', 'user.activate'),
    ('user_deactivated', 'user.deactivate'),
    ('calendar_feed_created', 'calendar_feed.create'),
    ('calendar_feed_renewed', 'calendar_feed.renew'),
    ('calendar_feed_revoked', 'calendar_feed.revoke'),
    ('api_token_created', 'api_token.create'),
    ('api_token_renewed', 'api_token.renew'),
    ('api_token_revoked', 'api_token.revoke'),
    ('handout.version', 'handout.add_version'),
)

RENAME = sa.text('UPDATE audit_log SET action = :new WHERE action = :old')


def _rename(pairs):
    connection = op.get_bind()
    connection.execute(RENAME, [{'old': old, 'new': new} for old, new in pairs])


def upgrade():
    _rename(RENAMES)


def downgrade():
    _rename((new, old) for old, new in RENAMES)
