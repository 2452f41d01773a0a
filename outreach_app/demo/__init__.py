"""Demo data: a realistic, deterministic city (Qingdao), its branches, partners, users, events."""
