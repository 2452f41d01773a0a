"""The migrations build the schema from nothing and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from outreach_app import create_app
from outreach_app.extensions import db
from outreach_app.reference.data import TARGET_GROUPS, TOPICS
from outreach_app.reference.models import TargetGroup, Topic


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_reference_data_matches_the_application(app):
    with app.app_context():
        groups = db.session.execute(select(TargetGroup).order_by(TargetGroup.sort_order)).scalars()
        assert [(g.code, g.name_zh, g.name_en) for g in groups] == TARGET_GROUPS
        topics = db.session.execute(select(Topic).order_by(Topic.sort_order)).scalars()
        assert [(t.code, t.category, t.name_zh, t.name_en) for t in topics] == TOPICS


def test_upgrade_downgrade_upgrade_from_nothing(tmp_path):
    url = "sqlite:///" + str(tmp_path / "fresh.db")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"region", "branch", "user", "partner", "event", "audit_log"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert db.session.execute(select(TargetGroup)).scalars().first() is not None
        db.session.remove()
        db.engine.dispose()


def test_constraint_names_follow_the_convention(app):
    with app.app_context():
        inspector = inspect(db.engine)
        fks = inspector.get_foreign_keys("event")
        assert {fk["name"] for fk in fks} >= {
            "fk_event_branch_id_branch",
            "fk_event_region_id_region",
            "fk_event_partner_id_partner",
        }
        assert inspector.get_pk_constraint("event")["name"] in ("pk_event", None)
