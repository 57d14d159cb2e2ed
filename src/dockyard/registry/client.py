"""A registry as an Image source (``open_image``) and sink (``push_image``), plus ``list_tags``.

    img = open_image("127.0.0.1:5000/app:1", platform="linux/amd64")   # lazy: manifest only
    store.write_image(img, tags)                                        # streams layers, verified
    digest = push_image(img, "registry.example/app:2", progress=cb)     # HEAD, mount, upload, PUT

Every blob stream verifies its digest and size at EOF (DigestMismatch / FailedPrecondition), so a
sink that stages through ``BlobWriter`` never publishes bad content.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Literal, cast

import httpx

from .. import digest as _digest
from .. import oci
from ..content.local import LocalContentStore
from ..errors import DigestMismatch, FailedPrecondition, InvalidArgument
from ..image.protocols import Image, Layer
from ..reference import Reference
from ..reference import parse as parse_reference
from . import _auth
from ._transport import Transport
from .config import get_credentials
from .errors import RegistryDenied, RegistryInvalid, RegistryNotFound, RegistryUnauthenticated
from .manifest import (
    ACCEPT,
    MAX_MANIFEST_SIZE,
    BlobImage,
    BlobSource,
    InvalidManifest,
    parse,
    select_platform,
)

Auth = _auth.Credentials | Literal["config", "anonymous"]
Progress = Callable[[str, int, int], None]
"""progress(digest, bytes_done, bytes_total)"""
Status = Callable[[str, str], None]
"""status(digest, "exists" | "mounted" | "pushed")"""

NON_DISTRIBUTABLE = frozenset({
    oci.DOCKER_LAYER_FOREIGN, oci.OCI_LAYER_NONDIST_GZIP,
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
})
"""Layers docker does not push (their manifest entry carries URLs instead)."""
MONOLITHIC_LIMIT = 8 << 20
CHUNK_SIZE = 16 << 20


def _ref(ref: Reference | str) -> Reference:
    return parse_reference(ref) if isinstance(ref, str) else ref


def connect(registry: str, *, auth: Auth = "config", insecure_registries: Iterable[str] = (),
            config_path: str | None = None) -> Transport:
    """A Transport for ``registry`` with credentials from ``auth`` (default: docker's config.json)."""
    if isinstance(auth, _auth.Credentials):
        creds: _auth.Credentials | None = auth
    elif auth == "config":
        creds = get_credentials(registry, config_path=config_path)
    else:
        creds = None
    return Transport(registry, credentials=creds, insecure=registry in set(insecure_registries))


# --- pull -------------------------------------------------------------------------------------


class RegistryImage(BlobImage):
    """An image in a registry: manifest fetched, config and layers fetched on demand."""

    def __init__(self, ref: Reference, raw_manifest: bytes, media_type: str, transport: Transport,
                 progress: Progress | None = None, index_digest: str | None = None) -> None:
        self.ref = ref
        self.transport = transport
        self.index_digest = index_digest
        self._progress = progress
        self._local: LocalContentStore | None = None
        super().__init__(raw_manifest, self._open_blob, media_type=media_type,
                         source=BlobSource(ref.registry, ref.repository))

    def prefetch(self, content: LocalContentStore, *, jobs: int = 4) -> None:
        """Download every layer not yet in ``content`` in parallel (each staged and verified by a
        BlobWriter); afterwards the layers' ``compressed()`` read the local copies."""
        self._local = content

        def fetch(layer: Layer) -> None:
            if content.exists(layer.digest):
                if self._progress:
                    self._progress(layer.digest, layer.size, layer.size)
                return
            with content.writer(layer.digest, layer.size) as w, layer.compressed() as f:
                while chunk := f.read(1 << 20):
                    w.write(chunk)
                w.commit()

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for _ in pool.map(fetch, {la.digest: la for la in self.layers()}.values()):
                pass

    def _open_blob(self, descriptor: dict[str, Any]) -> BinaryIO:
        dg = str(descriptor["digest"])
        if self._local is not None and self._local.exists(dg):
            return self._local.open(dg)
        f = self.transport.stream(f"/v2/{self.ref.repository}/blobs/{dg}",
                                  scopes=(_auth.repository_scope(self.ref.repository, "pull"),),
                                  what=f"{self.ref.name}@{dg}")
        if self._progress is None or descriptor.get("mediaType") in (oci.OCI_CONFIG, oci.DOCKER_CONFIG):
            return f
        return cast(BinaryIO, io.BufferedReader(_Counting(f, dg, int(descriptor["size"]), self._progress)))

    def unverified_blob(self, layer: Layer) -> BinaryIO:
        """The layer's blob as it arrives (counted for progress) *without* digest verification:
        only for a sink that verifies digest and size itself, as a content-store BlobWriter does
        at commit.  Saves one sha256 pass over every byte of a pull."""
        raw = self._open_blob({"digest": layer.digest, "size": layer.size, "mediaType": layer.media_type})
        return cast(BinaryIO, io.BufferedReader(_Bounded(raw, layer.size, f"{self.ref.name}@{layer.digest}"),
                                                1 << 20))

    @property
    def repo_digest(self) -> str:
        """What docker lists as RepoDigest: the index digest for a multi-platform image."""
        return self.index_digest or self.digest()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> RegistryImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Bounded(io.RawIOBase):
    """Refuses a stream longer than ``limit`` as soon as it is (a hostile registry cannot make an
    unverified download grow without end)."""

    def __init__(self, raw: BinaryIO, limit: int, what: str) -> None:
        super().__init__()
        self._raw, self._left, self._what = raw, limit, what

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        data = self._raw.read(len(view))
        self._left -= len(data)
        if self._left < 0:
            raise FailedPrecondition(f"{self._what}: more bytes than its descriptor's size")
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
            super().close()


class _Counting(io.RawIOBase):
    def __init__(self, raw: BinaryIO, digest: str, total: int, progress: Progress) -> None:
        super().__init__()
        self._raw, self._digest, self._total, self._progress = raw, digest, total, progress
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._raw.read(len(memoryview(b)))
        n = len(data)
        memoryview(b)[:n] = data
        self._done += n
        self._progress(self._digest, self._done, self._total)
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
            super().close()


def _get_manifest(t: Transport, repository: str, ref: str, scopes: tuple[str, ...],
                  what: str) -> tuple[bytes, str | None, str | None]:
    resp = t.request("GET", f"/v2/{repository}/manifests/{ref}", scopes=scopes,
                     headers={"Accept": ACCEPT}, stream=True, what=what)
    try:
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > MAX_MANIFEST_SIZE:
            raise InvalidManifest(f"larger than {MAX_MANIFEST_SIZE} bytes")
        chunks: list[bytes] = []
        total = 0
        for chunk in resp.iter_bytes():
            total += len(chunk)
            if total > MAX_MANIFEST_SIZE:
                raise InvalidManifest(f"larger than {MAX_MANIFEST_SIZE} bytes")
            chunks.append(chunk)
    except httpx.HTTPError as err:
        raise RegistryInvalid(f"{what}: manifest download failed: {err}") from err
    finally:
        resp.close()
    return b"".join(chunks), resp.headers.get("Content-Type"), resp.headers.get("Docker-Content-Digest")


def open_image(ref: Reference | str, *, platform: str | None = None, auth: Auth = "config",
               insecure_registries: Iterable[str] = (), config_path: str | None = None,
               progress: Progress | None = None, transport: Transport | None = None) -> RegistryImage:
    """Resolve ``ref`` (tag or digest) to one image manifest for ``platform`` (default linux/amd64)."""
    r = _ref(ref)
    t = transport or connect(r.registry, auth=auth, insecure_registries=insecure_registries,
                             config_path=config_path)
    try:
        scopes = (_auth.repository_scope(r.repository, "pull"),)
        try:
            raw, ctype, header_digest = _get_manifest(t, r.repository, r.digest or str(r.tag), scopes, str(r))
        except (RegistryDenied, RegistryUnauthenticated) as err:
            raise type(err)(f"pull access denied for {r.familiar_name}, repository does not exist or may "
                            f"require 'docker login': {err.reason}", status=err.status, codes=err.codes,
                            hint=f"dockyard login {r.registry}") from err
        except RegistryNotFound as err:
            raise RegistryNotFound(f"manifest for {r.familiar} not found: {err.reason}", status=err.status,
                                   codes=err.codes) from err
        actual = _digest.of_bytes(raw)
        if r.digest and actual != r.digest:
            raise DigestMismatch(r.digest, actual, "manifest")
        if not r.digest and header_digest and _digest.is_digest(header_digest) and header_digest != actual:
            raise DigestMismatch(header_digest, actual, "manifest")
        media_type, doc = parse(raw, ctype)
        index_digest = None
        depth = 0
        while media_type in oci.INDEX_TYPES:
            depth += 1
            if depth > 3:
                raise InvalidManifest("indexes nested too deeply")
            index_digest = index_digest or actual
            desc = select_platform(doc, platform)
            raw, ctype, _ = _get_manifest(t, r.repository, desc["digest"], scopes,
                                          f"{r.name}@{desc['digest']}")
            actual = _digest.of_bytes(raw)
            if actual != desc["digest"]:
                raise DigestMismatch(desc["digest"], actual, "manifest")
            if len(raw) != desc["size"]:
                raise InvalidManifest(f"size {len(raw)} differs from the index's {desc['size']}")
            media_type, doc = parse(raw, desc["mediaType"])
        return RegistryImage(r, raw, media_type, t, progress, index_digest)
    except BaseException:
        if transport is None:
            t.close()
        raise


# --- push -------------------------------------------------------------------------------------


def _upload_url(t: Transport, location: str | None, digest: str | None = None) -> str:
    if not location:
        raise RegistryInvalid(f"{t.registry}: upload answered without a Location")
    url = httpx.URL(t.url("/")).join(location)
    if digest:
        url = url.copy_merge_params({"digest": digest})
    return str(url)


def _push_blob(t: Transport, repository: str, digest: str, size: int, open_blob: Callable[[], BinaryIO],
               source: BlobSource | None, progress: Progress | None, status: Status | None,
               chunk_size: int, monolithic_limit: int) -> str:
    scopes = (_auth.repository_scope(repository, "pull,push"),)
    head = t.request("HEAD", f"/v2/{repository}/blobs/{digest}", scopes=scopes, expect=(200, 404))
    if head.status_code == 200:
        result = "exists"
    else:
        location = None
        if source is not None and source.registry == t.registry and source.repository != repository:
            mscopes = _auth.merge_scopes(scopes, (_auth.repository_scope(source.repository, "pull"),))
            resp = t.request("POST", f"/v2/{repository}/blobs/uploads/",
                             scopes=mscopes, expect=(201, 202),
                             params={"mount": digest, "from": source.repository})
            if resp.status_code == 201:
                location = ""
            else:
                location = resp.headers.get("Location")
        if location == "":
            result = "mounted"
        else:
            if location is None:
                resp = t.request("POST", f"/v2/{repository}/blobs/uploads/", scopes=scopes, expect=(202,))
                location = resp.headers.get("Location")
            _upload(t, repository, location, digest, size, open_blob, progress, chunk_size, monolithic_limit)
            result = "pushed"
    if progress:
        progress(digest, size, size)
    if status:
        status(digest, result)
    return result


def _upload(t: Transport, repository: str, location: str | None, digest: str, size: int,
            open_blob: Callable[[], BinaryIO], progress: Progress | None, chunk_size: int,
            monolithic_limit: int) -> None:
    scopes = (_auth.repository_scope(repository, "pull,push"),)
    with open_blob() as f:
        if size <= monolithic_limit:
            data = f.read()
            f.read()  # EOF: the verified stream checks digest and size here
            t.request("PUT", _upload_url(t, location, digest), scopes=scopes, content=data,
                      headers={"Content-Type": "application/octet-stream"}, expect=(201,))
            return
        offset = 0
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            resp = t.request("PATCH", _upload_url(t, location), scopes=scopes, content=chunk, expect=(202,),
                             headers={"Content-Type": "application/octet-stream",
                                      "Content-Range": f"{offset}-{offset + len(chunk) - 1}"})
            location = resp.headers.get("Location")
            offset += len(chunk)
            if progress:
                progress(digest, offset, size)
    t.request("PUT", _upload_url(t, location, digest), scopes=scopes, expect=(201,))


def push_image(img: Image, ref: Reference | str, *, progress: Progress | None = None,
               status: Status | None = None, auth: Auth = "config", insecure_registries: Iterable[str] = (),
               config_path: str | None = None, jobs: int = 4, chunk_size: int = CHUNK_SIZE,
               monolithic_limit: int = MONOLITHIC_LIMIT, transport: Transport | None = None,
               mount_from: Iterable[Reference | str] = ()) -> str:
    """Push every blob of ``img`` (skipping those present, mounting those from a sibling repository),
    then its manifest under ``ref``'s tag (or digest).  Returns the manifest digest.

    A layer is mounted from the repository its ``source`` attribute names (RegistryImage layers
    have one), else from the first ``mount_from`` repository on the same registry (e.g. the image's
    repo digests in the local store)."""
    r = _ref(ref)
    fallback = next((BlobSource(m.registry, m.repository) for m in map(_ref, mount_from)
                     if m.registry == r.registry and m.repository != r.repository), None)
    raw_manifest = img.raw_manifest()
    manifest_digest = _digest.of_bytes(raw_manifest)
    if r.digest and r.digest != manifest_digest:
        raise InvalidArgument(f"cannot push {manifest_digest} as {r}: digest differs")
    layers: list[Layer] = list(img.layers())
    raw_config = img.raw_config()
    t = transport or connect(r.registry, auth=auth, insecure_registries=insecure_registries,
                             config_path=config_path)
    try:
        def push_layer(layer: Layer) -> str:
            src = getattr(layer, "source", None)
            if not isinstance(src, BlobSource) or src.registry != r.registry:
                src = fallback
            return _push_blob(t, r.repository, layer.digest, layer.size, layer.compressed, src,
                              progress, status, chunk_size, monolithic_limit)

        unique = [la for la in {layer.digest: layer for layer in layers}.values()
                  if la.media_type not in NON_DISTRIBUTABLE]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for _ in pool.map(push_layer, unique):
                pass
        config_digest = img.config_digest()
        _push_blob(t, r.repository, config_digest, len(raw_config), lambda: io.BytesIO(raw_config),
                   None, None, None, chunk_size, monolithic_limit)
        resp = t.request("PUT", f"/v2/{r.repository}/manifests/{r.tag or manifest_digest}",
                         scopes=(_auth.repository_scope(r.repository, "pull,push"),),
                         content=raw_manifest, headers={"Content-Type": img.media_type()}, expect=(201,),
                         what=f"push {r}")
        answered = resp.headers.get("Docker-Content-Digest")
        if answered and answered != manifest_digest:
            raise DigestMismatch(manifest_digest, answered, "pushed manifest")
        return manifest_digest
    finally:
        if transport is None:
            t.close()


def list_tags(repo: Reference | str, *, auth: Auth = "config", insecure_registries: Iterable[str] = (),
              config_path: str | None = None, transport: Transport | None = None) -> list[str]:
    r = parse_reference(repo, default_tag=False) if isinstance(repo, str) else repo
    t = transport or connect(r.registry, auth=auth, insecure_registries=insecure_registries,
                             config_path=config_path)
    tags: list[str] = []
    try:
        path: str | None = f"/v2/{r.repository}/tags/list"
        while path:
            resp = t.request("GET", path, scopes=(_auth.repository_scope(r.repository, "pull"),),
                             what=f"tags of {r.name}")
            try:
                doc = resp.json()
            except ValueError:
                raise RegistryInvalid(f"tags of {r.name}: invalid JSON") from None
            tags.extend(str(x) for x in (doc.get("tags") or []) if isinstance(x, str))
            link = resp.links.get("next", {}).get("url")
            path = str(httpx.URL(t.url("/")).join(link)) if link else None
        return tags
    finally:
        if transport is None:
            t.close()
