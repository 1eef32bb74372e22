"""Bulk loading of verification records (see `core.bulk`)."""
