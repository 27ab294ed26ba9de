"""Staff users, roles, sign-in, server-side sessions and lockout."""
