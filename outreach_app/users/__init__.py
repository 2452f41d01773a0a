"""Administration of user accounts: roles, scopes, deactivation, password resets."""
