"""Users, branches, roles, login and the admin screens."""
