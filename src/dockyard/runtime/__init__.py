"""Runtimes run OCI bundles: ``native`` (in Python, the default) and ``oci`` (runc or compatible)."""
