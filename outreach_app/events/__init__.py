"""Outreach events (宣教活动): where, when, with whom, for which groups and topics."""
