"""Docker-compatible output formatting for the CLI: Go templates, tables, human units."""
