"""Compact signed copy tokens for printed handouts.

A token names a print run and one copy of it. Layout of the 26 signed bytes::

    run_id (8 bytes, big-endian)  random 64-bit public id of the print run (CSPRNG, stored later)
    serial (2 bytes, big-endian)  copy number, 0..65535 (print runs stop at 5,000)
    mac    (16 bytes)             HMAC-SHA256(key, run_id || serial) truncated to 128 bits

Why this shape:

* The 128-bit MAC alone meets the ">= 128 bits that cannot be guessed or forged" bar even for
  someone who holds one printed copy (and so knows the run id): forging a neighbouring serial
  still needs 2**128 tries. The random run id adds 64 more bits for anyone guessing blindly.
* The key is derived from the app secret with a purpose label (HMAC(secret, "handout-token-v1")),
  so a token can never be confused with a session cookie or another signed value, and "v1" lets
  the format change later.
* 26 bytes encode as 42 RFC 4648 base32 characters (A-Z, 2-7, no padding). That alphabet lies
  inside the QR alphanumeric set, so the uppercased URL ``HTTPS://HOST/S/<token>`` encodes at
  5.5 bits per character and fits a version 3-4 code at error correction M. It has no lowercase,
  no 0/1/8/9, so a person typing it cannot mix up O/0, I/1 or B/8; ``read_token`` maps those
  digits back anyway, ignores case, spaces and dashes.
* The printed form groups the characters in sixes (``ABCDEF-GHIJKL-...``) for reading aloud.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

TOKEN_PURPOSE = b"handout-token-v1"
RUN_ID_BYTES = 8
SERIAL_BYTES = 2
MAC_BYTES = 16
PAYLOAD_BYTES = RUN_ID_BYTES + SERIAL_BYTES
TOKEN_BYTES = PAYLOAD_BYTES + MAC_BYTES
TOKEN_CHARS = -(-TOKEN_BYTES * 8 // 5)  # 42
MAX_INPUT_CHARS = 64
PRINT_GROUP = 6
MAX_RUN_ID = 2 ** (8 * RUN_ID_BYTES) - 1
MAX_SERIAL = 2 ** (8 * SERIAL_BYTES) - 1

_TYPED_FIXES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_IGNORED = re.compile(r"[\s\-_.]+")
_ALPHABET = re.compile(r"[A-Z2-7]+")


@dataclass(frozen=True, slots=True)
class TokenData:
    """What a valid token names: a print run's public id and a copy serial."""

    run_id: int
    serial: int


def _key(secret: str | bytes) -> bytes:
    """Derive the token-signing key from the app secret with a purpose label."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not raw:
        raise ValueError("an empty secret cannot sign tokens")
    return hmac.new(raw, TOKEN_PURPOSE, hashlib.sha256).digest()


def _mac(key: bytes, payload: bytes) -> bytes:
    """Return the truncated HMAC-SHA256 of a payload."""
    return hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]


def make_token(secret: str | bytes, run_id: int, serial: int) -> str:
    """Return the 42-character uppercase token for copy `serial` of print run `run_id`."""
    if not 0 <= run_id <= MAX_RUN_ID:
        raise ValueError("run_id must fit in 64 bits")
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError("serial must fit in 16 bits")
    payload = run_id.to_bytes(RUN_ID_BYTES, "big") + serial.to_bytes(SERIAL_BYTES, "big")
    raw = payload + _mac(_key(secret), payload)
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def normalize_token(token: str) -> str | None:
    """Return the canonical token text for what a person typed, or None if it cannot be one."""
    if not isinstance(token, str) or len(token) > MAX_INPUT_CHARS:
        return None
    text = _IGNORED.sub("", token).upper().translate(_TYPED_FIXES)
    if len(text) != TOKEN_CHARS or not _ALPHABET.fullmatch(text):
        return None
    return text


def read_token(secret: str | bytes, token: str) -> TokenData | None:
    """Return the run id and serial a token names, or None if it is malformed or forged."""
    text = normalize_token(token)
    if text is None:
        return None
    padded = text + "=" * (-len(text) % 8)
    try:
        raw = base64.b32decode(padded)
    except (ValueError, TypeError):
        return None
    # Non-zero pad bits would give a second spelling of the same token; refuse them.
    if len(raw) != TOKEN_BYTES or base64.b32encode(raw).decode("ascii").rstrip("=") != text:
        return None
    payload, mac = raw[:PAYLOAD_BYTES], raw[PAYLOAD_BYTES:]
    if not hmac.compare_digest(mac, _mac(_key(secret), payload)):
        return None
    return TokenData(
        run_id=int.from_bytes(payload[:RUN_ID_BYTES], "big"),
        serial=int.from_bytes(payload[RUN_ID_BYTES:], "big"),
    )


def format_for_print(token: str) -> str:
    """Return the token in dash-separated groups of six for printing under the QR code."""
    text = normalize_token(token) or token
    return "-".join(text[i : i + PRINT_GROUP] for i in range(0, len(text), PRINT_GROUP))


def token_secret() -> str | bytes:
    """The running app's key for copy tokens: ``HANDOUT_TOKEN_SECRET`` when set, else
    ``SECRET_KEY``. Printed codes live as long as the paper, so a site that may rotate its
    ``SECRET_KEY`` (after a leak, say) sets this one once and leaves it alone."""
    from flask import current_app

    return current_app.config.get("HANDOUT_TOKEN_SECRET") or current_app.config["SECRET_KEY"]
