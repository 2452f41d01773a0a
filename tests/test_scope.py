"""The scope helper: admins see all, heads their region subtree, staff their branch."""

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from outreach_app.auth.models import User
from outreach_app.core.scope import get_scoped_or_404, scope_of, scoped_select
from outreach_app.events.models import Event
from outreach_app.extensions import db
from outreach_app.partners.models import Partner
from outreach_app.regions.models import Branch, Region, region_subtree
from outreach_app.regions.tree import move_region


def _user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _visible(model, username: str) -> set[int]:
    return set(db.session.execute(scoped_select(model, _user(username))).scalars().all())


def _ids(model, username: str) -> set[int]:
    return {obj.id for obj in _visible(model, username)}


@pytest.mark.parametrize(
    "username, events, partners, branches",
    [
        ("admin", {"a", "b"}, {"a", "b"}, {"a", "b"}),
        ("head_a", {"a"}, {"a"}, {"a"}),
        ("staff_a", {"a"}, {"a"}, {"a"}),
        ("staff_b", {"b"}, {"b"}, {"b"}),
    ],
)
def test_each_role_sees_its_own_scope(app, world, username, events, partners, branches):
    expected = {
        Event: {getattr(world, f"event_{x}_id") for x in events},
        Partner: {getattr(world, f"partner_{x}_id") for x in partners},
        Branch: {getattr(world, f"branch_{x}_id") for x in branches},
    }
    with app.app_context():
        for model, ids in expected.items():
            assert _ids(model, username) == ids, model.__name__


def test_head_sees_regions_and_users_below_their_region_only(app, world):
    with app.app_context():
        regions = {r.name for r in _visible(Region, "head_a")}
        assert regions == {"市南区", "八大湖街道", "湛山社区"}
        users = {u.username for u in _visible(User, "head_a")}
        assert users == {"head_a", "staff_a"}
        assert {u.username for u in _visible(User, "staff_b")} == {"staff_b"}


def test_head_of_the_city_sees_every_district(app, world):
    with app.app_context():
        head = _user("head_a")
        head.region_id = world.city_id
        db.session.commit()
        assert _ids(Event, "head_a") == {world.event_a_id, world.event_b_id}


def test_scope_follows_a_moved_region(app, world):
    with app.app_context():
        community_b = db.session.get(Region, world.community_b_id)
        street_a = db.session.execute(
            select(Region).where(Region.name == "八大湖街道")
        ).scalar_one()
        move_region(community_b, street_a)
        db.session.commit()
        assert community_b.path.startswith(street_a.path)
        assert world.event_b_id in _ids(Event, "head_a")


@pytest.mark.parametrize("object_id", ["event_b_id", "999999", "abc", "", "1 OR 1=1", "0x10"])
def test_out_of_scope_or_garbage_ids_are_404(app, world, object_id):
    key = getattr(world, object_id) if object_id.endswith("_id") else object_id
    with app.app_context(), pytest.raises(NotFound):
        get_scoped_or_404(Event, key, _user("staff_a"))


def test_in_scope_object_loads(app, world):
    with app.app_context():
        event = get_scoped_or_404(Event, str(world.event_a_id), _user("head_a"))
        assert event.title == "湛山社区防诈讲座"


def test_unscoped_user_sees_nothing(app, world):
    with app.app_context():
        user = _user("head_a")
        user.region_id = None  # not allowed by the database; scope_of must still be safe
        scope = scope_of(user)
        db.session.rollback()
        assert scope.branch_id == -1


def test_region_subtree_is_a_region_and_everything_below_it(app, world):
    with app.app_context():
        paths = dict(db.session.execute(select(Region.id, Region.path)).all())
        district = db.session.get(Region, world.district_a_id)
        below = set(db.session.execute(region_subtree(district.path)).scalars())
        assert below == {key for key, path in paths.items() if path.startswith(district.path)}
        assert {world.district_a_id, world.community_a_id} <= below
        assert world.community_b_id not in below and world.city_id not in below
        assert set(db.session.execute(region_subtree(None)).scalars()) == set(paths)
