"""The three roles. A leaf module: auth, regions and every area read it without importing each
other."""

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    """What a user may do: administer everything, oversee a region, or work for a branch."""

    ADMIN = "admin"
    HEAD = "head"
    STAFF = "staff"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.HEAD: _l("Regional head"),
    Role.STAFF: _l("Outreach staff"),
}
