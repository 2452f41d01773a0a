"""The read-only reporting token: a signed, revocable key to the coverage JSON.

The token carries ``[user id, api_token_version]`` signed with the app's secret key and its own
salt (so a calendar-feed token can never pass for it). Raising the version replaces the token,
setting it to 0 revokes it; nothing else is stored. A token reads what its user may see, no more.
"""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.auth.scope import MAX_ID
from outreach_app.extensions import db

SALT = "coverage-reporting-api"
# A real token is about 30 characters; anything much longer is not worth decoding.
TOKEN_MAX_LENGTH = 200
# A token issued after a revocation starts from a random version in this range, so that it can
# never bring back one used before (0 keeps no memory of the old number).
FIRST_VERSIONS = (2**20, 2**30)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def api_token(user: User, secret_key: str) -> str | None:
    """``user``'s current reporting token, or None when they have none."""
    if user.api_token_version <= 0:
        return None
    return str(_serializer(secret_key).dumps([user.id, user.api_token_version]))


def user_for_api_token(token: str | None, secret_key: str) -> User | None:
    """The active user whose current token ``token`` is; None for anything else."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        payload = _serializer(secret_key).loads(token)
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
    if user is None or not user.is_active or user.api_token_version != payload[1]:
        return None
    return user


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def renew_api_token(user: User) -> int:
    """Give ``user`` a new token (the old one stops working); returns the new version."""
    previous = user.api_token_version
    if previous > 0:
        user.api_token_version = previous + 1
        action = "api_token_renewed"
    else:
        low, high = FIRST_VERSIONS
        user.api_token_version = low + secrets.randbelow(high - low)
        action = "api_token_created"
    record(action, user, actor=user, version=user.api_token_version)
    db.session.flush()
    return user.api_token_version


def revoke_api_token(user: User) -> bool:
    """Stop ``user``'s token; False if they had none."""
    if user.api_token_version <= 0:
        return False
    previous = user.api_token_version
    user.api_token_version = 0
    record("api_token_revoked", user, actor=user, previous_version=previous)
    db.session.flush()
    return True
