"""The Dockerfile language front end: parse, expand, check."""
