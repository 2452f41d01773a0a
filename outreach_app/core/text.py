"""Filters that clean text typed into forms, shared by every area's forms (WTForms
``filters=``): they run before the validators, so a length limit counts what is kept."""

from __future__ import annotations

import unicodedata
from typing import Any

from outreach_app.core.validation import without_control_characters

# Invisible characters that only spoof or hide text: bidirectional overrides and isolates,
# zero-width space, word joiner and byte-order mark. Joiners (U+200C/D) stay: scripts need them.
_INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF], None
)


def _without_controls(value: str, keep: str = "") -> str:
    return without_control_characters(value.translate(_INVISIBLE), keep)


def clean_line(value: Any) -> Any:
    """One line of text without control or invisible characters, stripped."""
    if not isinstance(value, str):
        return value
    return _without_controls(value).strip()


def clean_block(value: Any) -> Any:
    """Several lines of text: like ``clean_line`` but newlines and tabs stay."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _without_controls(value, keep="\n\t").strip()


def clean_phone(value: Any) -> Any:
    """A phone number with full-width digits and signs made ASCII (NFKC), then cleaned."""
    if not isinstance(value, str):
        return value
    return clean_line(unicodedata.normalize("NFKC", value))
