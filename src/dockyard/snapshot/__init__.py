"""Extracted layers (overlay lowerdirs) and container writable layers (upperdirs)."""
