"""The languages a handout is written in, the layouts it prints in and the kinds of uncoded
material handed out beside it: the one spelling of each.

A leaf module (no database, no reportlab), so that the shipped texts, the PDF layout, the models
and the attendee page all name them the same way.
"""

from __future__ import annotations

import enum


class HandoutLanguage(enum.StrEnum):
    """The languages a handout is written in."""

    ZH_CN = "zh_CN"
    EN = "en"


class PrintLayout(enum.StrEnum):
    """A4 one per page, A5 two per A4 sheet with cut marks, or A4 large print for seniors."""

    A4 = "a4"
    A5X2 = "a5x2"
    LARGE = "large"


class HandoutMaterial(enum.StrEnum):
    """Printed material and gifts without a QR code that an event hands out."""

    POSTER = "poster"
    BOOKLET = "booklet"
    LEAFLET = "leaflet"
    GIFT = "gift"  # 宣传品: a bag, a fan, a pen with the bank's anti-fraud message
    OTHER = "other"
