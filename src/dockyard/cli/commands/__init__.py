"""Command handlers, one module per area; each takes (Context, Parsed) and returns an exit code."""
