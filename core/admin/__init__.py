"""Operator settings kept in the database and edited by administrators."""
