"""The administrative region tree and the bank's branches."""
