"""HIS data import and export: members, visits and orders from CSV/Excel, validated and idempotent."""
