"""Content-addressed blob storage."""

from .local import BlobInfo, BlobWriter, LocalContentStore

__all__ = ["BlobInfo", "BlobWriter", "LocalContentStore"]
