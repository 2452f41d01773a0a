"""event kinds as data the bank can extend; target groups can be retired

Kinds were a fixed list in code. They become rows of ``event_kind`` (code, names, order,
retired, and the rules a kind carries: the least number of assigned staff and whether its
venue is private), and ``event.kind`` keeps holding the code, now a foreign key to
``event_kind.code``: stored events and the coverage rollups' ``kind`` column keep their codes
as they are. The five kinds there were are seeded with two new ones, 进商圈 (business district)
and 上门服务 (home visit: two staff, a private venue), and target groups gain ``is_retired``
and two new groups, 务工人员 (migrant workers) and 外籍人士 (foreign residents), placed before
社会公众. No event has the new kinds or groups yet, so no rollup row changes.

On SQLite the foreign key needs the event table built again; foreign keys are switched off
while that is done, or dropping the old table would delete every row that refers to an event.
A downgrade refuses while events of the new kinds exist (the code before it has no name for
them) and keeps the new groups where anything refers to them.
Plain SQL and Alembic operations, on SQLite and PostgreSQL alike; nothing is imported from the
application.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (code, name_zh, name_en, min_staff, private_venue), in their order
KINDS = (
    ('village', '进乡村', 'Village', 1, False),
    ('community', '进社区', 'Community', 1, False),
    ('campus', '进校园', 'Campus', 1, False),
    ('enterprise', '进企业', 'Enterprise', 1, False),
    ('business_area', '进商圈', 'Business district', 1, False),
    ('home_visit', '上门服务', 'Home visit', 2, True),
    ('branch', '网点内', 'In branch', 1, False),
)
# (code, name_zh, name_en, sort_order); 社会公众 (general) moves from 7 to 9 behind them.
NEW_GROUPS = (
    ('migrant_worker', '务工人员', 'Migrant workers', 7),
    ('foreign_resident', '外籍人士', 'Foreign residents', 8),
)


def _foreign_keys(on):
    """SQLite only: switch foreign key enforcement, which works outside a transaction only."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.get_context().autocommit_block():
            op.execute('PRAGMA foreign_keys=%s' % ('ON' if on else 'OFF'))


def upgrade():
    _foreign_keys(False)
    op.create_table('event_kind',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('min_staff', sa.Integer(), server_default='1', nullable=False),
    sa.Column('private_venue', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_kind')),
    sa.UniqueConstraint('code', name=op.f('uq_event_kind_code'))
    )
    kind = sa.table(
        'event_kind', sa.column('code', sa.String), sa.column('name_zh', sa.String),
        sa.column('name_en', sa.String), sa.column('sort_order', sa.Integer),
        sa.column('min_staff', sa.Integer), sa.column('private_venue', sa.Boolean),
    )
    op.bulk_insert(kind, [
        {'code': code, 'name_zh': zh, 'name_en': en, 'sort_order': n, 'min_staff': staff,
         'private_venue': private}
        for n, (code, zh, en, staff, private) in enumerate(KINDS, start=1)
    ])

    op.add_column('target_group', sa.Column('is_retired', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE target_group SET sort_order = 9 WHERE code = 'general'")
    # A downgrade keeps groups still referred to, so an upgrade after it adds only what is missing.
    for code, zh, en, n in NEW_GROUPS:
        op.get_bind().execute(
            sa.text(
                'INSERT INTO target_group (code, name_zh, name_en, sort_order) '
                'SELECT CAST(:code AS VARCHAR(32)), CAST(:zh AS VARCHAR(80)), '
                'CAST(:en AS VARCHAR(120)), CAST(:n AS INTEGER) WHERE NOT EXISTS '
                '(SELECT 1 FROM target_group WHERE code = CAST(:code AS VARCHAR(32)))'
            ),
            {'code': code, 'zh': zh, 'en': en, 'n': n},
        )

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_event_kind_event_kind'), 'event_kind', ['kind'], ['code'])
    _foreign_keys(True)


def downgrade():
    old = "('village', 'community', 'campus', 'enterprise', 'branch')"
    in_use = op.get_bind().execute(sa.text(f"SELECT count(*) FROM event WHERE kind NOT IN {old}"))
    if in_use.scalar():
        # The code before this revision has no name for these kinds and would fail on them.
        raise RuntimeError('events of kinds added in revision 0014 exist; change them first')
    _foreign_keys(False)
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_kind_event_kind'), type_='foreignkey')
    op.drop_table('event_kind')
    # The new groups go unless something refers to them; the older code lists whatever groups
    # the table holds, so any that stay are still shown.
    codes = ', '.join(f"'{code}'" for code, _zh, _en, _n in NEW_GROUPS)
    users = ' '.join(
        f'AND id NOT IN (SELECT target_group_id FROM {table} WHERE target_group_id IS NOT NULL)'
        for table in ('event_target_group', 'event_attendance', 'handout', 'check_in', 'quiz_submission')
    )
    op.execute(f'DELETE FROM target_group WHERE code IN ({codes}) {users}')
    op.execute("UPDATE target_group SET sort_order = 7 WHERE code = 'general'")
    with op.batch_alter_table('target_group', schema=None) as batch_op:
        batch_op.drop_column('is_retired')
    _foreign_keys(True)
