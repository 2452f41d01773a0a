"""Coverage for regional heads: who was reached, where, and where nobody has been."""
