"""Users, passwords, login sessions and the data scope each user may see."""
