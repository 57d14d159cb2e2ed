"""Metadata in SQLite (WAL, transactions): tags, images, layers, containers."""
