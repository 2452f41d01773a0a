"""Password hashing with argon2 and a length-and-guessability policy (no composition rules)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

# zxcvbn refuses longer input; a longer password is judged on its first 72 characters.
ZXCVBN_MAX_LENGTH = 72


@cache
def _hasher(profile: str | None) -> PasswordHasher:
    if profile is None:
        return PasswordHasher()
    return PasswordHasher.from_parameters(getattr(profiles, profile))


@cache
def _dummy_hash(profile: str | None) -> str:
    return _hasher(profile).hash("not-a-real-password")


def _profile() -> str | None:
    return current_app.config.get("ARGON2_PROFILE")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with the configured profile."""
    return _hasher(_profile()).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, spend the same time so unknown names are not revealed."""
    hasher = _hasher(_profile())
    try:
        return hasher.verify(password_hash or _dummy_hash(_profile()), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used weaker parameters than the current profile."""
    return _hasher(_profile()).check_needs_rehash(password_hash)


def password_problems(password: str, user_inputs: list[str] | None = None) -> list[str]:
    """What is wrong with a new password: too short, too long, or too easy to guess."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    max_length = current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < min_length:
        return [_("Use at least %(n)d characters.", n=min_length)]
    if len(password) > max_length:
        return [_("Use at most %(n)d characters.", n=max_length)]
    inputs = [value for value in (user_inputs or []) if value]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    if result["score"] < 3:
        return [
            _(
                "This password is too easy to guess: it is common or close to your name. "
                "A few unrelated words make a strong password."
            )
        ]
    return []
