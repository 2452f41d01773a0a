"""The read-only reporting token: a signed, revocable key to the coverage JSON.

The token carries ``[user id, api_token_version]`` signed with the app's secret key and its own
salt (so a calendar-feed token can never pass for it). Raising the version replaces the token,
setting it to 0 revokes it; nothing else is stored. A token reads what its user may see, no more,
and ends with the user's sessions at a password change, a deactivation or a new role or scope.
"""

from __future__ import annotations

from outreach_app.auth.models import User
from outreach_app.auth.user_tokens import REPORTING_API

API_TOKEN = REPORTING_API


def api_token(user: User, secret_key: str) -> str | None:
    """``user``'s current reporting token, or None when they have none."""
    return API_TOKEN.token_for(user, secret_key)


def user_for_api_token(token: str | None, secret_key: str) -> User | None:
    """The active user whose current token ``token`` is; None for anything else."""
    return API_TOKEN.user_for(token, secret_key)


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
    return API_TOKEN.renew(user)


def revoke_api_token(user: User) -> bool:
    """Stop ``user``'s token; False if they had none."""
    return API_TOKEN.revoke(user)
