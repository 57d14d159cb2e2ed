"""The local image store: a source and a sink of the Image protocol.

An image is a manifest + config + layers in the content store; the ``images`` table indexes it by
config digest (the image id), ``tags`` maps names to ids, ``image_layers`` lists its chain ids.
Images are never edited in place: tagging moves a name, writing adds rows.
"""

from __future__ import annotations

import time

from .. import digest as _digest
from .. import jsonfast, oci
from .. import reference as _ref
from .._record import Record
from ..errors import Conflict, ImageInUse, ImageNotFound, InvalidArgument, InvalidReference
from ..snapshot.layers import LayerRecord, LayerStore
from ..store import Store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, BinaryIO

    from .protocols import Image, Layer


def now_rfc3339() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1e6):06d}Z"


class ImageRecord(Record, frozen=True):
    id: str
    manifest_digest: str
    created: str
    added: str
    size: int
    tags: tuple[str, ...]        # familiar form: busybox:latest
    repo_digests: tuple[str, ...]


class HistoryEntry(Record, frozen=True):
    created: str
    created_by: str
    comment: str
    size: int            # bytes of the layer this step made (0 for metadata-only steps)
    empty_layer: bool


class LocalLayer:
    def __init__(self, store: Store, rec: LayerRecord) -> None:
        self._store = store
        self.rec = rec

    @property
    def digest(self) -> str:
        return self.rec.blob_digest

    @property
    def diff_id(self) -> str:
        return self.rec.diff_id

    @property
    def size(self) -> int:
        return self.rec.blob_size

    @property
    def media_type(self) -> str:
        return self.rec.media_type

    def compressed(self) -> BinaryIO:
        return self._store.content.open(self.rec.blob_digest)

    def uncompressed(self) -> BinaryIO:
        from ..diff.compression import open_decompressed_reader
        return open_decompressed_reader(self.compressed())


class LocalImage:
    def __init__(self, store: Store, image_id: str, manifest_digest: str, chain_ids: list[str]) -> None:
        self._store = store
        self.id = image_id
        self._manifest_digest = manifest_digest
        self.chain_ids = chain_ids
        self._config: dict[str, Any] | None = None

    def raw_manifest(self) -> bytes:
        return self._store.content.read_bytes(self._manifest_digest)

    def manifest(self) -> dict[str, Any]:
        m: dict[str, Any] = jsonfast.loads(self.raw_manifest())
        return m

    def media_type(self) -> str:
        return str(self.manifest().get("mediaType", oci.OCI_MANIFEST))

    def digest(self) -> str:
        return self._manifest_digest

    def raw_config(self) -> bytes:
        return self._store.content.read_bytes(self.id)

    def config(self) -> dict[str, Any]:
        if self._config is None:
            self._config = jsonfast.loads(self.raw_config())
        return self._config

    def config_digest(self) -> str:
        return self.id

    def layers(self) -> list[Layer]:
        ls = LayerStore(self._store)
        return [LocalLayer(self._store, ls.get(c)) for c in self.chain_ids]


class ImageStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.layers = LayerStore(store)

    # --- lookup ---------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """Image id for a name[:tag], name@digest, full or short id (unique prefix)."""
        if not ref:
            raise InvalidReference(ref)
        candidate = ref[7:] if ref.startswith("sha256:") else ref
        if 1 <= len(candidate) <= 64 and all(c in "0123456789abcdef" for c in candidate):
            rows = self.db.query("SELECT id FROM images WHERE id LIKE ?", (f"sha256:{candidate}%",))
            if len(rows) == 1:
                return str(rows[0]["id"])
            if len(rows) > 1 and len(candidate) < 64 and (ref.startswith("sha256:") or len(candidate) >= 12):
                raise InvalidArgument(f"image id prefix {ref} is ambiguous")
            if ref.startswith("sha256:") and not rows:
                raise ImageNotFound(ref)
        try:
            parsed = _ref.parse(ref)
        except InvalidReference:
            raise ImageNotFound(ref) from None
        if parsed.digest:
            row = self.db.one("SELECT image_id FROM repo_digests WHERE name=?",
                              (f"{parsed.name}@{parsed.digest}",))
            if row is None:
                row = self.db.one("SELECT id AS image_id FROM images WHERE manifest_digest=? OR id=?",
                                  (parsed.digest, parsed.digest))
        else:
            row = self.db.one("SELECT image_id FROM tags WHERE name=?", (str(parsed),))
        if row is None:
            raise ImageNotFound(ref, f"No such image: {ref}")
        return str(row["image_id"])

    def exists(self, ref: str) -> bool:
        try:
            self.resolve(ref)
        except ImageNotFound:
            return False
        return True

    def open(self, ref: str) -> LocalImage:
        image_id = self.resolve(ref)
        row = self.db.one("SELECT manifest_digest FROM images WHERE id=?", (image_id,))
        if row is None:
            raise ImageNotFound(ref)
        chain = [r["chain_id"] for r in self.db.query(
            "SELECT chain_id FROM image_layers WHERE image_id=? ORDER BY idx", (image_id,))]
        return LocalImage(self.store, image_id, row["manifest_digest"], chain)

    def tags_of(self, image_id: str) -> list[str]:
        return [_ref.parse(r["name"]).familiar for r in self.db.query(
            "SELECT name FROM tags WHERE image_id=? ORDER BY name", (image_id,))]

    def repo_digests_of(self, image_id: str) -> list[str]:
        out = []
        for r in self.db.query("SELECT name FROM repo_digests WHERE image_id=? ORDER BY name", (image_id,)):
            out.append(_ref.parse(r["name"]).familiar)
        return out

    def list_images(self) -> list[ImageRecord]:
        tags: dict[str, list[str]] = {}
        for r in self.db.query("SELECT name, image_id FROM tags ORDER BY name"):
            tags.setdefault(r["image_id"], []).append(_ref.parse(r["name"]).familiar)
        digests: dict[str, list[str]] = {}
        for r in self.db.query("SELECT name, image_id FROM repo_digests ORDER BY name"):
            digests.setdefault(r["image_id"], []).append(_ref.parse(r["name"]).familiar)
        out = []
        for r in self.db.query("SELECT * FROM images ORDER BY created DESC, added DESC"):
            out.append(ImageRecord(r["id"], r["manifest_digest"], r["created"], r["added"], r["size"],
                                   tuple(tags.get(r["id"], ())), tuple(digests.get(r["id"], ()))))
        return out

    def listing(self, filters: Sequence[tuple[str, str]] = (), repo: str | None = None
                ) -> list[tuple[ImageRecord, list[str]]]:
        """``docker images [REPO[:TAG]] [--filter k=v]``: each image with the names to list it under
        (``repo:tag``, ``repo:<none>`` for an image known only by digest, ``<none>:<none>``); images
        with no name left are left out.  Filters: ``dangling=true|false``, ``reference=PATTERN``
        (shell pattern on ``repo:tag`` or ``repo``), ``label=KEY[=VALUE]``, ``before=IMAGE``,
        ``since=IMAGE`` (created before/after that image).  Several filters must all hold."""
        for k, _ in filters:
            if k not in ("dangling", "reference", "label", "before", "since"):
                raise InvalidArgument(f"invalid filter '{k}'")
        bounds: dict[str, float] = {}
        if any(k in ("before", "since") for k, _ in filters):
            from ..units import parse_timestamp  # RFC 3339 with any zone and precision -> seconds
            bounds = {k: parse_timestamp(self.record(self.resolve(v)).created) for k, v in filters
                      if k in ("before", "since")}
        want = None
        if repo:
            try:
                want = _ref.parse(repo, default_tag=False)
            except InvalidReference:
                return []
        out = []
        for rec in self.list_images():
            names = list(rec.tags) or [d.split("@")[0] + ":<none>" for d in rec.repo_digests[:1]] or ["<none>:<none>"]
            for k, v in filters:
                if k == "dangling":
                    dangling = not rec.tags
                    if (v.lower() in ("true", "1") and not dangling) or (v.lower() in ("false", "0") and dangling):
                        names = []
                elif k == "reference":
                    from fnmatch import fnmatchcase
                    names = [n for n in names if fnmatchcase(n, v) or fnmatchcase(n.rsplit(":", 1)[0], v)]
                elif k == "label":
                    lk, leq, lv = v.partition("=")
                    labels = (self.open(rec.id).config().get("config") or {}).get("Labels") or {}
                    if lk not in labels or (leq and labels[lk] != lv):
                        names = []
                elif k in ("before", "since"):
                    created = parse_timestamp(rec.created)
                    if (k == "before" and not created < bounds[k]) or (k == "since" and not created > bounds[k]):
                        names = []
            if want is not None:
                names = [n for n in names if _matches_repo(n, want)]
            if names:
                out.append((rec, names))
        return out

    def record(self, image_id: str) -> ImageRecord:
        r = self.db.one("SELECT * FROM images WHERE id=?", (image_id,))
        if r is None:
            raise ImageNotFound(image_id)
        return ImageRecord(r["id"], r["manifest_digest"], r["created"], r["added"], r["size"],
                           tuple(self.tags_of(image_id)), tuple(self.repo_digests_of(image_id)))

    def history(self, ref: str) -> tuple[str, list[HistoryEntry]]:
        """``docker history``: the image id and one entry per step, newest first, with the size of
        the layer each step created (history entries and layers are matched in order)."""
        img = self.open(ref)
        cfg = img.config()
        recs = [self.layers.get(c) for c in img.chain_ids]
        out: list[HistoryEntry] = []
        li = 0
        for h in cfg.get("history") or []:
            empty = bool(h.get("empty_layer"))
            size = 0
            if not empty:
                size = recs[li].size if li < len(recs) else 0
                li += 1
            out.append(HistoryEntry(h.get("created", ""), h.get("created_by", ""), h.get("comment", ""), size,
                                    empty))
        if not out:
            out.append(HistoryEntry(cfg.get("created", ""), "", "", sum(r.size for r in recs), False))
        out.reverse()
        return img.id, out

    def lowerdirs(self, image_id: str) -> list[str]:
        chain = [r["chain_id"] for r in self.db.query(
            "SELECT chain_id FROM image_layers WHERE image_id=? ORDER BY idx", (image_id,))]
        return self.layers.lowerdirs(chain)

    def read_file(self, image_id: str, path: str) -> bytes | None:
        """A file from the image's merged filesystem (top layer wins; whiteouts hide)."""
        from ..snapshot.lookup import read_merged_file
        return read_merged_file(self.lowerdirs(image_id), path)

    # --- sink -----------------------------------------------------------------------------

    def write_image(self, img: Image, tags: list[str] | tuple[str, ...] = (), *,
                    repo_digest: str | None = None) -> str:
        """Store ``img`` (from any source): blobs verified, layers extracted once, then tags."""
        raw_config = img.raw_config()
        config_digest = _digest.of_bytes(raw_config)
        config = jsonfast.loads(raw_config)
        diff_ids = list(config.get("rootfs", {}).get("diff_ids", []))
        layers = img.layers()
        if len(layers) != len(diff_ids):
            raise InvalidArgument(
                f"image has {len(layers)} layers but its config lists {len(diff_ids)} diff_ids")
        parent = ""
        chain: list[str] = []
        size = 0
        for layer, diff_id in zip(layers, diff_ids, strict=True):
            with layer.compressed() as stream:
                rec = self.layers.ingest(parent, stream, media_type=layer.media_type,
                                         expected_digest=layer.digest, expected_size=layer.size,
                                         expected_diff_id=diff_id)
            chain.append(rec.chain_id)
            parent = rec.chain_id
            size += rec.size
        raw_manifest = img.raw_manifest()
        manifest_digest = self.store.content.put_bytes(raw_manifest)
        self.store.content.put_bytes(raw_config, config_digest)
        with self.db.tx() as c:
            if c.execute("SELECT 1 FROM images WHERE id=?", (config_digest,)).fetchone() is None:
                c.execute("INSERT INTO images VALUES (?,?,?,?,?,?,?)",
                          (config_digest, manifest_digest, img.media_type(),
                           config.get("created") or "1970-01-01T00:00:00Z", now_rfc3339(), size, ""))
                c.executemany("INSERT INTO image_layers VALUES (?,?,?)",
                              [(config_digest, i, ch) for i, ch in enumerate(chain)])
            for t in tags:
                c.execute("INSERT OR REPLACE INTO tags VALUES (?,?)", (str(_ref.parse(t)), config_digest))
            if repo_digest:
                c.execute("INSERT OR IGNORE INTO repo_digests VALUES (?,?)", (repo_digest, config_digest))
        return config_digest

    def put_image(self, config: dict[str, Any], layer_recs: list[LayerRecord],
                  tags: list[str] | tuple[str, ...] = ()) -> str:
        """Create an image from a config and layers already in the store (import, build, commit)."""
        raw_config = oci.canonical_json(config)
        config_digest = self.store.content.put_bytes(raw_config)
        manifest = {
            "schemaVersion": 2,
            "mediaType": oci.OCI_MANIFEST,
            "config": oci.descriptor(oci.OCI_CONFIG, config_digest, len(raw_config)),
            "layers": [oci.descriptor(r.media_type, r.blob_digest, r.blob_size) for r in layer_recs],
        }
        manifest_digest = self.store.content.put_bytes(oci.canonical_json(manifest))
        with self.db.tx() as c:
            if c.execute("SELECT 1 FROM images WHERE id=?", (config_digest,)).fetchone() is None:
                c.execute("INSERT INTO images VALUES (?,?,?,?,?,?,?)",
                          (config_digest, manifest_digest, oci.OCI_MANIFEST,
                           config.get("created") or now_rfc3339(), now_rfc3339(),
                           sum(r.size for r in layer_recs), ""))
                c.executemany("INSERT INTO image_layers VALUES (?,?,?)",
                              [(config_digest, i, r.chain_id) for i, r in enumerate(layer_recs)])
            for t in tags:
                c.execute("INSERT OR REPLACE INTO tags VALUES (?,?)", (str(_ref.parse(t)), config_digest))
        return config_digest

    # --- names ----------------------------------------------------------------------------

    def tag(self, source: str, target: str) -> None:
        image_id = self.resolve(source)
        parsed = _ref.parse(target)
        if parsed.digest:
            raise InvalidArgument(f"refusing to create a tag with a digest reference: {target}")
        with self.db.tx() as c:
            c.execute("INSERT OR REPLACE INTO tags VALUES (?,?)", (str(parsed), image_id))

    def containers_using(self, image_id: str) -> list[tuple[str, str]]:
        return [(r["id"], r["status"]) for r in self.db.query(
            "SELECT id, status FROM containers WHERE image_id=?", (image_id,))]

    def remove(self, ref: str, *, force: bool = False, prune: bool = True) -> list[tuple[str, str]]:
        """docker rmi: untag a name; delete the image when no name is left (or by id).

        Returns [("Untagged", name) | ("Deleted", id)] in docker's order.
        """
        image_id = self.resolve(ref)
        is_id = not self._is_name(ref, image_id)
        tags = [r["name"] for r in self.db.query("SELECT name FROM tags WHERE image_id=?", (image_id,))]
        users = self.containers_using(image_id)
        out: list[tuple[str, str]] = []
        if not is_id:
            name = str(_ref.parse(ref))
            if len(tags) > 1 or (users and force):
                with self.db.tx() as c:
                    c.execute("DELETE FROM tags WHERE name=?", (name,))
                return [("Untagged", _ref.parse(name).familiar)]
            if users and not force:
                running = [u for u in users if u[1] in ("running", "paused", "restarting")]
                raise ImageInUse(_ref.parse(ref).familiar, (running or users)[0][0], image_id)
        else:
            if users:
                running = [u for u in users if u[1] in ("running", "paused", "restarting")]
                if running or not force:
                    kind = "running" if running else "stopped"
                    raise Conflict(
                        f"conflict: unable to delete {image_id[7:19]} (cannot be forced) - image is being "
                        f"used by {kind} container {(running or users)[0][0][:12]}"
                        if running else
                        f"conflict: unable to delete {image_id[7:19]} (must be forced) - image is being "
                        f"used by stopped container {users[0][0][:12]}")
            if len(tags) > 1 and not force:
                raise Conflict(f"conflict: unable to delete {image_id[7:19]} (must be forced) - image is "
                               "referenced in multiple repositories")
        with self.db.tx() as c:
            for t in tags:
                out.append(("Untagged", _ref.parse(t).familiar))
            for r in c.execute("SELECT name FROM repo_digests WHERE image_id=?", (image_id,)).fetchall():
                out.append(("Untagged", _ref.parse(r["name"]).familiar))
            c.execute("DELETE FROM tags WHERE image_id=?", (image_id,))
            if users:  # forced: keep the image for its containers, now dangling
                return out
            c.execute("DELETE FROM repo_digests WHERE image_id=?", (image_id,))
            c.execute("DELETE FROM image_layers WHERE image_id=?", (image_id,))
            c.execute("DELETE FROM images WHERE id=?", (image_id,))
        out.append(("Deleted", image_id))
        if prune:
            self.gc()
        return out

    def _is_name(self, ref: str, image_id: str) -> bool:
        if ref.startswith("sha256:") or image_id[7:].startswith(ref):
            try:
                parsed = _ref.parse(ref)
            except InvalidReference:
                return False
            return self.db.one("SELECT 1 FROM tags WHERE name=?", (str(parsed),)) is not None
        return True

    def gc(self) -> None:
        """Remove layers and blobs no image references."""
        self.layers.remove_unreferenced()
        used: set[str] = set()
        for r in self.db.query("SELECT id, manifest_digest FROM images"):
            used.add(r["id"])
            used.add(r["manifest_digest"])
        for r in self.db.query("SELECT blob_digest FROM layers"):
            used.add(r["blob_digest"])
        for d in list(self.store.content.walk()):
            if d not in used and not self._leased(d):
                self.store.content.delete(d)

    def _leased(self, d: str) -> bool:
        return False

    def dangling(self) -> list[str]:
        return [r["id"] for r in self.db.query(
            "SELECT id FROM images WHERE id NOT IN (SELECT image_id FROM tags)")]

    def prune(self, *, all_unused: bool = False) -> list[tuple[str, str]]:
        used = {r["image_id"] for r in self.db.query("SELECT DISTINCT image_id FROM containers")}
        out: list[tuple[str, str]] = []
        for rec in self.list_images():
            if rec.id in used:
                continue
            if rec.tags and not all_unused:
                continue
            with self.db.tx() as c:
                for t in c.execute("SELECT name FROM tags WHERE image_id=?", (rec.id,)).fetchall():
                    out.append(("Untagged", _ref.parse(t["name"]).familiar))
                c.execute("DELETE FROM tags WHERE image_id=?", (rec.id,))
                c.execute("DELETE FROM repo_digests WHERE image_id=?", (rec.id,))
                c.execute("DELETE FROM image_layers WHERE image_id=?", (rec.id,))
                c.execute("DELETE FROM images WHERE id=?", (rec.id,))
            out.append(("Deleted", rec.id))
        self.gc()
        return out


def _matches_repo(name: str, want: _ref.Reference) -> bool:
    """``images REPO[:TAG]``: does the listed ``name`` (``repo:tag`` or ``repo:<none>``) match?"""
    if name == "<none>:<none>":
        return False
    if name.endswith(":<none>"):
        return want.tag is None and _ref.parse(name[: -len(":<none>")]).name == want.name
    r = _ref.parse(name)
    return r.name == want.name and (want.tag is None or r.tag == want.tag)
