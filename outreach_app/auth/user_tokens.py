"""Signed, revocable keys that stand for one user: the private calendar feed's address and the
reporting API's bearer token.

A token carries ``[user id, version]`` signed with the app's secret key and a salt of its own
kind, so one kind never passes for another. The version lives in a column of the user: raising
it replaces the token, setting it to 0 revokes it; nothing else is stored. Every kind is listed
in ``PERSONAL_TOKENS``, which ``auth.sessions.revoke_sessions`` ends together with the sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.ids import MAX_ID
from outreach_app.extensions import db

# A real token is about 30 characters; anything much longer is not worth decoding.
TOKEN_MAX_LENGTH = 200
# A token issued after a revocation starts from a random version in this range, so that it can
# never bring back one used before (0 keeps no memory of the old number); the range leaves room
# for renewals below the column's 32-bit limit.
FIRST_VERSIONS = (2**20, 2**30)


@dataclass(frozen=True)
class UserTokenKind:
    """One kind of per-user token: its salt, the user's version column and its audit name."""

    salt: str
    version_attribute: str
    audit_name: str  # "<name>.create", "<name>.renew" and "<name>.revoke" in the audit log

    def _serializer(self, secret_key: str) -> URLSafeSerializer:
        return URLSafeSerializer(secret_key, salt=self.salt)

    def version(self, user: User) -> int:
        """The user's current version; 0 when they have no token of this kind."""
        return int(getattr(user, self.version_attribute))

    def token_for(self, user: User, secret_key: str) -> str | None:
        """``user``'s current token, or None when they have none."""
        if self.version(user) <= 0:
            return None
        return str(self._serializer(secret_key).dumps([user.id, self.version(user)]))

    def user_for(self, token: str | None, secret_key: str) -> User | None:
        """The active user whose current token ``token`` is; None for anything else.

        Forged, tampered, revoked, old-version and inactive users' tokens all end in None.
        """
        if not token or len(token) > TOKEN_MAX_LENGTH:
            return None
        try:
            payload = self._serializer(secret_key).loads(token)
        except BadSignature:
            return None
        if (
            not isinstance(payload, list)
            or len(payload) != 2
            or not all(type(n) is int for n in payload)
            or not 0 < payload[0] <= MAX_ID
            or payload[1] <= 0
        ):
            return None
        user = db.session.get(User, payload[0])
        if user is None or not user.can_log_in or self.version(user) != payload[1]:
            return None
        return user

    def renew(self, user: User) -> int:
        """Give ``user`` a new token (the old one stops working); returns the new version."""
        previous = self.version(user)
        if previous > 0:
            version, action = previous + 1, "renew"
        else:
            low, high = FIRST_VERSIONS
            version, action = low + secrets.randbelow(high - low), "create"
        setattr(user, self.version_attribute, version)
        record(f"{self.audit_name}.{action}", user, actor=user, version=version)
        db.session.flush()
        return version

    def revoke(self, user: User) -> bool:
        """Stop ``user``'s token; False if they had none."""
        previous = self.version(user)
        if not self.clear(user):
            return False
        record(f"{self.audit_name}.revoke", user, actor=user, previous_version=previous)
        db.session.flush()
        return True

    def clear(self, user: User) -> bool:
        """Set the version to 0 without an audit entry of its own; False if it was 0."""
        if self.version(user) <= 0:
            return False
        setattr(user, self.version_attribute, 0)
        return True


CALENDAR_FEED = UserTokenKind(
    salt="calendar-feed",
    version_attribute="calendar_feed_version",
    audit_name="calendar_feed",
)
REPORTING_API = UserTokenKind(
    salt="coverage-reporting-api",
    version_attribute="api_token_version",
    audit_name="api_token",
)
# Every kind of personal token; they all end when the user's sessions are revoked.
PERSONAL_TOKENS = (CALENDAR_FEED, REPORTING_API)
