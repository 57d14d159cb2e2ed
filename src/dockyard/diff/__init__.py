"""Layer tars <-> directories.

- ``apply_layer(stream, dest)``: an OCI layer (gzip/zstd/plain) into an empty directory, whiteouts
  converted to overlayfs form, unsafe entries refused; ``extract_plain`` for ``docker cp``.
- ``write_layer_from_upper(upper, out)``: an overlay upperdir as a deterministic OCI layer tar;
  ``changes(upper, lowers)`` for ``docker diff``; ``write_tar_of_tree`` for export / cp.
- ``TarWriter`` (deterministic tar), ``open_compressed_writer`` / ``open_decompressed_reader``.
"""

from __future__ import annotations

from .apply import ApplyResult, apply_layer, extract_plain
from .compare import LayerInfo, changes, write_layer_from_upper, write_tar_of_tree
from .compression import open_compressed_writer, open_decompressed_reader
from .tarwriter import Header, TarWriter, walk_sorted

__all__ = [
    "ApplyResult",
    "Header",
    "LayerInfo",
    "TarWriter",
    "apply_layer",
    "changes",
    "extract_plain",
    "open_compressed_writer",
    "open_decompressed_reader",
    "walk_sorted",
    "write_layer_from_upper",
    "write_tar_of_tree",
]
