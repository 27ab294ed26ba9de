"""Operator tasks: health check, SQLite backup and restore."""
