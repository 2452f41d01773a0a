"""Seeing many events at once: the filtered list, the calendar, exports and calendar feeds."""
