"""Reference data: target groups and topics, seeded by a migration."""
