"""pull, push, login, logout, save, load: thin wrappers over registry/ and archive/."""

from __future__ import annotations

import os
import sys

from ... import reference as _ref
from ...errors import InvalidArgument
from ..flags import Parsed
from ..main import Context


def cmd_pull(ctx: Context, p: Parsed) -> int:
    from ...registry.client import open_image
    ref = _ref.parse(p.args[0])
    if not p.quiet:
        print(f"{ref.tag or ref.digest}: Pulling from {ref.familiar_name}", flush=True)
    with open_image(ref, platform=p.platform) as img:
        img.prefetch(ctx.engine.store.content)
        repo_digest = f"{img.ref.name}@{img.repo_digest}"
        image_id = ctx.engine.images.write_image(img, [str(ref)] if ref.tag else [], repo_digest=repo_digest)
    if p.quiet:
        print(ref.familiar)
    else:
        print(f"Digest: {img.repo_digest}\nStatus: Downloaded newer image for {ref.familiar}\n{ref.familiar}")
    del image_id
    return 0


def cmd_push(ctx: Context, p: Parsed) -> int:
    from ...registry.client import push_image
    ref = _ref.parse(p.args[0])
    img = ctx.engine.images.open(p.args[0])
    mounts = [d.split("@")[0] for d in ctx.engine.images.repo_digests_of(img.id)]
    if not p.quiet:
        print(f"The push refers to repository [{ref.name}]", flush=True)

    def status(digest: str, what: str) -> None:
        if not p.quiet:
            word = {"exists": "Layer already exists", "mounted": "Mounted", "pushed": "Pushed"}.get(what, what)
            print(f"{digest[7:19]}: {word}", flush=True)

    digest = push_image(img, ref, status=status, mount_from=mounts)
    print(f"{ref.tag}: digest: {digest} size: {len(img.raw_manifest())}" if not p.quiet else ref.familiar)
    return 0


def cmd_login(ctx: Context, p: Parsed) -> int:
    from ...registry.config import login
    server = p.args[0] if p.args else "docker.io"
    password = p.password
    if p.password_stdin:
        password = sys.stdin.read().rstrip("\n")
    if not p.username or password is None:
        raise InvalidArgument("username and password required (-u and -p or --password-stdin)")
    login(server, p.username, password)
    print("Login Succeeded")
    return 0


def cmd_logout(ctx: Context, p: Parsed) -> int:
    from ...registry.config import logout
    server = p.args[0] if p.args else "docker.io"
    if logout(server):
        print(f"Removing login credentials for {server}")
    else:
        print(f"Not logged in to {server}")
    return 0


def cmd_save(ctx: Context, p: Parsed) -> int:
    from ...archive.docker_archive import save
    images = ctx.engine.images
    items = []
    for ref in p.args:
        img = images.open(ref)
        tags = [str(_ref.parse(ref))] if not images.resolve(ref)[7:].startswith(ref) else []
        items.append((img, tags))
    if p.output:
        tmp = p.output + ".tmp"
        try:
            with open(tmp, "wb") as f:
                save(items, f)  # type: ignore[arg-type]
            os.replace(tmp, p.output)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return 0
    if os.isatty(1):
        raise InvalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    save(items, sys.stdout.buffer)  # type: ignore[arg-type]
    return 0


def cmd_load(ctx: Context, p: Parsed) -> int:
    from ...archive.docker_archive import load
    src = p.input or sys.stdin.buffer
    for img, tags in load(src):
        image_id = ctx.engine.images.write_image(img, [t for t in tags if ":" in t or "/" in t])
        if tags:
            for t in tags:
                print(f"Loaded image: {_ref.parse(t).familiar}")
        else:
            print(f"Loaded image ID: {image_id}")
    return 0


def cmd_commit(ctx: Context, p: Parsed) -> int:
    from ...image.commit import CommitOptions, commit_container
    tags = [p.args[1]] if len(p.args) > 1 else []
    opts = CommitOptions(tags=tags, message=p.message or "", author=p.author or "", changes=p.change,
                         pause=p.pause)
    result = commit_container(ctx.engine, p.args[0], opts)
    print(result.image_id)
    return 0
