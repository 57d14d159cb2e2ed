"""dockyard build end to end: real build containers on a private store per test."""

from __future__ import annotations

import json
import os
import tarfile
import time
from pathlib import Path

import pytest

from .conftest import DY, image_id, steps, write

pytestmark = pytest.mark.privileged

GUIDE = """FROM busybox
WORKDIR /app
COPY package*.json ./
RUN cat package.json > installed.txt && echo installed
COPY . .
EXPOSE 3000
CMD ["sh", "-c", "cat /app/installed.txt /app/app.js"]
"""


def _guide(ctx: Path) -> None:
    write(ctx, {"Dockerfile": GUIDE, "package.json": '{"name": "web"}\n', "app.js": "console.log(1)\n",
                "lib/util.js": "exports.x = 1\n"})


def test_guide_dockerfile_builds_runs_and_has_one_history_row_per_instruction(dy: DY, ctx: Path) -> None:
    _guide(ctx)
    p = dy.build(ctx, "-t", "my-web-app:1.0")
    assert "naming to docker.io/library/my-web-app:1.0 done" in p.stderr
    assert dy.out("run", "--rm", "my-web-app:1.0") == '{"name": "web"}\nconsole.log(1)'
    assert dy.out("run", "--rm", "my-web-app:1.0", "cat", "/app/lib/util.js") == "exports.x = 1"
    cfg = json.loads(dy.out("image", "inspect", "my-web-app:1.0"))[0]["Config"]
    assert cfg["WorkingDir"] == "/app"
    assert "3000/tcp" in cfg["ExposedPorts"]
    hist = dy.out("history", "--no-trunc", "--format", "{{.CreatedBy}}", "my-web-app:1.0").splitlines()
    base = len(dy.out("history", "-q", "busybox").splitlines())
    assert len(dy.out("history", "-q", "my-web-app:1.0").splitlines()) == base + 6  # one per instruction
    assert hist[0] == '/bin/sh -c #(nop)  CMD ["sh" "-c" "cat /app/installed.txt /app/app.js"]'
    assert hist[1] == "/bin/sh -c #(nop)  EXPOSE 3000/tcp"
    assert hist[2].startswith("COPY dir:") and hist[2].endswith(" in /app/")
    assert hist[3] == "RUN /bin/sh -c cat package.json > installed.txt && echo installed"
    assert hist[4].startswith("COPY file:") and hist[4].endswith(" in /app/")
    assert hist[5] == "/bin/sh -c #(nop)  WORKDIR /app"
    assert "store is consistent" in dy.out("system", "check")
    assert os.listdir(os.path.join(dy.root, "buildcache", "run")) == []  # no workspace left behind


def test_unchanged_rebuild_is_all_cached_with_the_same_id(dy: DY, ctx: Path) -> None:
    _guide(ctx)
    dy.build(ctx, "-t", "app:1")
    first = image_id(dy, "app:1")
    p = dy.build(ctx, "-t", "app:2")  # its speed is a benchmark figure (bench_build.py), not a test
    st = steps(p.stderr)
    for n in range(1, 8):
        assert "CACHED" in st[n], (n, st[n])
    assert image_id(dy, "app:2") == first


def test_touching_one_file_reruns_from_the_copy_that_reads_it(dy: DY, ctx: Path) -> None:
    _guide(ctx)
    dy.build(ctx, "-t", "app:1")
    (ctx / "app.js").write_text("console.log(2)\n")
    p = dy.build(ctx, "-t", "app:2")
    st = steps(p.stderr)
    for n in (2, 3, 4):  # WORKDIR, COPY package*.json, RUN: still cached
        assert "CACHED" in st[n], st[n]
    assert "cache miss: file app.js changed" in st[5]
    assert "CACHED" not in st[5]
    assert any("rebuilt" in line for line in st[6])
    assert dy.out("run", "--rm", "app:2", "cat", "/app/app.js") == "console.log(2)"
    assert image_id(dy, "app:1") != image_id(dy, "app:2")


def test_incremental_copy_layer_equals_a_cold_one(dy: DY, ctx: Path) -> None:
    _guide(ctx)
    write(ctx, {f"src/f{i}.txt": f"file {i}\n" for i in range(50)})
    sde = {"SOURCE_DATE_EPOCH": "1700000000"}  # the cold build's WORKDIR layer gets a new mtime otherwise
    dy.build(ctx, "-t", "app:1", env=sde)
    (ctx / "src" / "f7.txt").write_text("changed\n")
    dy.build(ctx, "-t", "app:2", env=sde)  # unchanged files of COPY . . are linked from the previous layer
    dy.build(ctx, "-t", "app:3", "--no-cache", env=sde)
    inc = json.loads(dy.out("image", "inspect", "app:2"))[0]["RootFS"]["Layers"]
    cold = json.loads(dy.out("image", "inspect", "app:3"))[0]["RootFS"]["Layers"]
    assert inc[-1] == cold[-1]
    assert dy.out("run", "--rm", "app:2", "cat", "/app/src/f7.txt", "/app/src/f8.txt") == "changed\nfile 8"


def test_changed_package_json_reruns_the_install(dy: DY, ctx: Path) -> None:
    _guide(ctx)
    dy.build(ctx, "-t", "app:1")
    (ctx / "package.json").write_text('{"name": "web2"}\n')
    st = steps(dy.build(ctx).stderr)
    assert "cache miss: file package.json changed" in st[3]
    assert "installed" in st[4]  # the RUN really ran again


def test_multi_stage_copy_from_and_unneeded_stages_skipped(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": """FROM busybox AS builder
RUN mkdir /out && echo built > /out/bin && echo 2 > /out/two

FROM busybox AS broken
RUN echo THIS-STAGE-RUNS && exit 1

FROM busybox
COPY --from=builder /out/bin /usr/local/bin/app
COPY --from=0 /out/ /copied/
CMD ["cat", "/usr/local/bin/app"]
"""})
    p = dy.build(ctx, "-t", "ms")
    assert "THIS-STAGE-RUNS" not in p.stderr
    assert "[builder 1/2] FROM busybox AS builder" in p.stderr
    assert dy.out("run", "--rm", "ms") == "built"
    assert dy.out("run", "--rm", "ms", "cat", "/copied/two") == "2"


def test_target_builds_only_that_stage(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": """FROM busybox AS base
RUN echo base > /base
FROM base AS test
RUN echo test > /test
FROM busybox
RUN echo FINAL-STAGE && exit 1
"""})
    p = dy.build(ctx, "--target", "test", "-t", "t")
    assert "FINAL-STAGE" not in p.stderr
    assert dy.out("run", "--rm", "t", "cat", "/base", "/test") == "base\ntest"
    bad = dy.build(ctx, "--target", "nope", check=False)
    assert bad.returncode == 1
    assert 'target stage "nope" could not be found' in bad.stderr


def test_onbuild_triggers_run_in_the_child_build(dy: DY, ctx: Path, tmp_path: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nONBUILD COPY hello.txt /hello\nONBUILD RUN echo triggered > /t\n",
                "hello.txt": "parent ctx\n"})
    dy.build(ctx, "-t", "parent")
    assert dy.out("run", "--rm", "parent", "sh", "-c", "ls /t /hello 2>/dev/null; true") == ""
    child = tmp_path / "child"
    write(child, {"Dockerfile": "FROM parent\nRUN cat /t /hello\n", "hello.txt": "child ctx\n"})
    p = dy.build(child, "-t", "kid")
    assert "ONBUILD COPY hello.txt /hello" in p.stderr
    assert dy.out("run", "--rm", "kid", "cat", "/t", "/hello") == "triggered\nchild ctx"
    assert dy.out("image", "inspect", "-f", "{{json .Config.OnBuild}}", "kid") == "null"


def test_heredoc_run_and_copy(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": """FROM busybox
ARG WHO=world
RUN <<EOF
echo "line one" > /here
echo "hello $WHO" >> /here
EOF
COPY <<EOT /greeting
hi ${WHO}
EOT
RUN <<EOF
#!/bin/sh -e
echo "from a script: $0" > /script-out
EOF
"""})
    dy.build(ctx, "-t", "hd")
    assert dy.out("run", "--rm", "hd", "cat", "/here", "/greeting") == "line one\nhello world\nhi world"
    assert dy.out("run", "--rm", "hd", "cat", "/script-out") == "from a script: /dev/pipes/EOF"


def test_run_deletions_become_whiteouts_and_user_applies(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": """FROM busybox
RUN rm /bin/vi && rm -rf /var && mkdir /var && echo only > /var/only
USER www-data
RUN id -u > /tmp/uid
USER root
WORKDIR /made/by/workdir
RUN pwd > /pwd
"""})
    dy.build(ctx, "-t", "wh")
    assert dy("run", "--rm", "wh", "test", "-e", "/bin/vi", check=False).returncode != 0
    assert dy.out("run", "--rm", "wh", "ls", "/var") == "only"
    assert dy.out("run", "--rm", "wh", "cat", "/tmp/uid", "/pwd") == "33\n/made/by/workdir"
    assert dy.out("run", "--rm", "busybox", "sh", "-c", "test -e /bin/vi && echo base-intact") == "base-intact"


def test_bind_and_tmpfs_mounts_and_network_modes(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": """FROM busybox AS tools
RUN mkdir -p /opt/tool && echo tool-v1 > /opt/tool/version
FROM busybox
RUN --mount=type=bind,source=conf,target=/mnt/conf cat /mnt/conf/app.conf > /conf-copy
RUN --mount=type=bind,from=tools,source=/opt/tool,target=/t cat /t/version > /tool-version
RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/x && cat /scratch/x > /tmpfs-ok
RUN ls /sys/class/net > /net-default && ip route > /route-default
RUN --network=none ls /sys/class/net > /net-none
RUN --network=host ls /sys/class/net > /net-host
""", "conf/app.conf": "setting=1\n"})
    dy.build(ctx, "-t", "mnt")
    out = dy.out("run", "--rm", "mnt", "cat", "/conf-copy", "/tool-version", "/tmpfs-ok")
    assert out == "setting=1\ntool-v1\ntmp"
    for gone in ("/mnt/conf", "/t", "/scratch"):  # mount points do not end up in the image
        assert dy("run", "--rm", "mnt", "test", "-e", gone, check=False).returncode != 0
    # docker build's default network: the default bridge (eth0 and a default route), as for run
    assert dy.out("run", "--rm", "mnt", "cat", "/net-default").split() == ["eth0", "lo"]
    assert dy.out("run", "--rm", "mnt", "cat", "/route-default").startswith("default via ")
    assert dy.out("run", "--rm", "mnt", "cat", "/net-none").split() == ["lo"]
    assert len(dy.out("run", "--rm", "mnt", "cat", "/net-host").split()) >= 2
    (ctx / "conf" / "app.conf").write_text("setting=2\n")
    p = dy.build(ctx, "-t", "mnt2")
    assert "cache miss: bind mount /mnt/conf changed" in p.stderr


def test_cache_mount_persists_between_builds(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nARG N\n"
                "RUN --mount=type=cache,target=/cache echo $N >> /cache/log && cat /cache/log > /seen\n"})
    p = dy.build(ctx, "--build-arg", "N=1", "--build-arg", "UNUSED=1", "-t", "c1")
    assert "[Warning] One or more build-args ['UNUSED'] were not consumed" in p.stderr
    p = dy.build(ctx, "--build-arg", "N=2", "-t", "c2")
    assert "cache miss: build arg N changed" in p.stderr
    assert dy.out("run", "--rm", "c2", "cat", "/seen") == "1\n2"
    assert dy.out("run", "--rm", "c2", "sh", "-c", "ls /cache 2>/dev/null | wc -l") == "0"  # not in the layer
    dy("builder", "prune", "-f")
    dy.build(ctx, "--build-arg", "N=3", "-t", "c3")
    assert dy.out("run", "--rm", "c3", "cat", "/seen") == "3"
    write(ctx, {"Dockerfile": "FROM busybox\nRUN --mount=type=cache,target=/root/.cache true\n"})
    hist = dy.out("history", "--format", "{{.Size}}", dy.build(ctx, "-q").stdout.strip()).splitlines()
    assert hist[0] == "0B"  # only a mount point under an existing directory: nothing in the layer


def test_secret_mount_is_readable_but_not_in_layer_or_key(dy: DY, ctx: Path, tmp_path: Path) -> None:
    secret = tmp_path / "tok"
    secret.write_text("s3cr3t")
    write(ctx, {"Dockerfile": "FROM busybox\n"
                "RUN --mount=type=secret,id=tok test -s /run/secrets/tok && cp /run/secrets/tok /tmp/x && echo ok > /ok"
                " && rm /tmp/x\n"})
    dy.build(ctx, "--secret", f"id=tok,src={secret}", "-t", "s1")
    assert dy.out("run", "--rm", "s1", "cat", "/ok") == "ok"
    assert dy("run", "--rm", "s1", "ls", "/run/secrets", check=False).returncode != 0
    assert "s3cr3t" not in dy.out("history", "--no-trunc", "s1")
    secret.write_text("other")
    p = dy.build(ctx, "--secret", f"id=tok,src={secret}", "-t", "s2")
    assert "CACHED" in steps(p.stderr)[2]  # the secret's content is not part of the cache key


def test_secret_as_env_and_required_secrets(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\n"
                "RUN --mount=type=secret,id=api,env=API_KEY test \"$API_KEY\" = from-env && echo ok > /ok\n"
                "RUN --mount=type=secret,id=optional cat /run/secrets/optional 2>/dev/null || echo none > /opt\n"})
    dy.build(ctx, "--secret", "id=api,env=MY_API_KEY", "-t", "se", env={"MY_API_KEY": "from-env"})
    assert dy.out("run", "--rm", "se", "cat", "/ok", "/opt") == "ok\nnone"
    assert "API_KEY" not in dy.out("image", "inspect", "-f", "{{json .Config.Env}}", "se")
    write(ctx, {"Dockerfile": "FROM busybox\nRUN --mount=type=secret,id=must,required true\n"})
    p = dy.build(ctx, check=False)
    assert p.returncode == 1 and "secret must not found" in p.stderr


def test_dockerignore_excludes_and_reincludes(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nCOPY . /src/\n",
                ".dockerignore": "node_modules\n**/*.log\n!keep.log\nsecret*\n",
                "node_modules/dep/index.js": "x", "a.log": "x", "sub/b.log": "x", "keep.log": "kept",
                "secret.txt": "x", "main.js": "main"})
    dy.build(ctx, "-t", "ign")
    listing = dy.out("run", "--rm", "ign", "find", "/src", "-type", "f").split()
    assert sorted(listing) == ["/src/.dockerignore", "/src/Dockerfile", "/src/keep.log", "/src/main.js"]
    (ctx / "a.log").write_text("changed but ignored")
    p = dy.build(ctx, "-t", "ign2")
    assert "CACHED" in steps(p.stderr)[2]
    # a Dockerfile-specific ignore file wins over the context's
    write(ctx, {"other.Dockerfile": "FROM busybox\nCOPY . /src/\n", "other.Dockerfile.dockerignore": "**/*.js\n"})
    dy.build(ctx, "-f", str(ctx / "other.Dockerfile"), "-t", "ign3")
    listing = dy.out("run", "--rm", "ign3", "find", "/src", "-name", "*.js").split()
    assert listing == []
    assert dy.out("run", "--rm", "ign3", "cat", "/src/a.log") == "changed but ignored"


def test_copy_rules_chown_chmod_globs_and_dirs(dy: DY, ctx: Path, tmp_path: Path) -> None:
    write(ctx, {"Dockerfile": """FROM busybox
COPY --chown=www-data:www-data --chmod=640 a.txt /opt/a.txt
COPY *.md /docs/
COPY dir /dircontents
COPY one.md /etc
COPY a.txt /renamed.txt
ADD files.tar.gz /unpacked/
ADD --chown=33:33 files.tar.gz /owned/
""", "a.txt": "a", "x.md": "x", "y.md": "y", "one.md": "one", "dir/inner/f": "f"})
    src = tmp_path / "tarsrc"
    write(src, {"t1": "tar one", "sub/t2": "tar two"})
    with tarfile.open(ctx / "files.tar.gz", "w:gz") as tf:
        tf.add(src / "t1", "t1")
        tf.add(src / "sub", "sub")
    dy.build(ctx, "-t", "cp")
    assert dy.out("run", "--rm", "cp", "stat", "-c", "%u:%g %a", "/opt/a.txt") == "33:33 640"
    assert dy.out("run", "--rm", "cp", "ls", "/docs").split() == ["one.md", "x.md", "y.md"]
    assert dy.out("run", "--rm", "cp", "cat", "/dircontents/inner/f", "/etc/one.md") == "fone"
    assert dy.out("run", "--rm", "cp", "cat", "/unpacked/t1", "/unpacked/sub/t2") == "tar onetar two"
    assert dy.out("run", "--rm", "cp", "stat", "-c", "%u:%g", "/dircontents/inner/f") == "0:0"
    assert dy.out("run", "--rm", "cp", "cat", "/renamed.txt") == "a"
    assert dy.out("run", "--rm", "cp", "stat", "-c", "%u:%g", "/owned/sub/t2") == "33:33"


def test_copy_follows_source_symlinks_inside_the_context(dy: DY, ctx: Path) -> None:
    write(ctx, {"real.txt": "real content", "realdir/inner": "inner",
                "Dockerfile": "FROM busybox\nCOPY link.txt linkdir /dst/\nCOPY tree /tree/\n"})
    (ctx / "link.txt").symlink_to("real.txt")
    (ctx / "linkdir").symlink_to("realdir")
    (ctx / "tree").mkdir()
    (ctx / "tree" / "rel-link").symlink_to("../real.txt")  # links inside a copied tree stay links
    dy.build(ctx, "-t", "sym")
    assert dy.out("run", "--rm", "sym", "cat", "/dst/link.txt", "/dst/inner") == "real contentinner"
    assert dy.out("run", "--rm", "sym", "readlink", "/tree/rel-link") == "../real.txt"
    (ctx / "real.txt").write_text("changed")
    p = dy.build(ctx, "-t", "sym2")
    assert "cache miss: file real.txt changed" in p.stderr
    (ctx / "out").symlink_to("/etc/passwd")
    write(ctx, {"Dockerfile": "FROM busybox\nCOPY out /x\n"})
    bad = dy.build(ctx, check=False)
    assert bad.returncode == 1 and "forbidden path outside the build context" in bad.stderr


@pytest.mark.parametrize("dockerfile,needle", [
    ("FROM busybox\nRUN echo out-line; exit 3\n", "exit code: 3"),
    ('FROM busybox\nRUN ["/no/such/binary"]\n', "exit code: 127"),
    ("FROM busybox\nCOPY missing.txt /x\n", 'Dockerfile:2: COPY failed: "missing.txt" not found'),
    ("FROM busybox\nCOPY --from=nostage /x /x\n", "Dockerfile:2: COPY --from=nostage: no build stage"),
    ("FROM nosuchimage:1\n", "Dockerfile:1: failed to resolve source metadata for nosuchimage:1"),
    ("FROM busybox\nBOGUS x\n", "Dockerfile:2: unknown instruction: BOGUS"),
    ("FROM busybox\nADD http://example.invalid/f /f\n", "ADD failed to fetch http://example.invalid/f"),
    ("FROM busybox\nCOPY Dockerfile Dockerfile /dest\n", "the destination must be a directory and end with a /"),
    ("FROM busybox\nUSER nobody-here\nRUN true\n", "unable to find user nobody-here"),
    ("FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n", "circular dependency"),
])
def test_failures_exit_1_with_clear_errors_and_tag_nothing(dy: DY, ctx: Path, dockerfile: str,
                                                            needle: str) -> None:
    write(ctx, {"Dockerfile": dockerfile})
    p = dy.build(ctx, "-t", "failed:1", check=False)
    assert p.returncode == 1, p.stderr
    assert needle in p.stderr
    assert "Traceback" not in p.stderr
    assert dy("image", "inspect", "failed:1", check=False).returncode != 0


def test_too_many_layers_is_a_clear_error(dy: DY, ctx: Path) -> None:
    copies = "".join(f"COPY f /f{i}\n" for i in range(100))
    write(ctx, {"Dockerfile": f"FROM busybox\n{copies}RUN true\n", "f": "x"})
    p = dy.build(ctx, "-t", "deep", check=False)
    assert p.returncode == 1
    assert "too many layers to mount" in p.stderr
    assert dy("image", "inspect", "deep", check=False).returncode != 0


def test_failed_run_shows_output_and_keeps_its_filesystem(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nRUN echo partial > /partial; echo last words; exit 7\n"})
    p = dy.build(ctx, check=False)
    assert p.returncode == 1
    assert "last words" in p.stderr
    assert 'process "/bin/sh -c echo partial > /partial; echo last words; exit 7"' in p.stderr
    kept = p.stderr.split("filesystem kept in ")[1].split(" ")[0]
    assert (Path(kept) / "partial").read_text() == "partial\n"
    dy("builder", "prune", "-f")
    assert not os.path.exists(kept)


def test_interrupted_build_kills_its_container_and_tags_nothing(dy: DY, ctx: Path) -> None:
    import signal
    import subprocess

    from .conftest import DOCKYARD
    marker = f"sleep-{os.getpid()}-{time.time_ns()}"
    write(ctx, {"Dockerfile": f"FROM busybox\nRUN echo started; exec sleep 300 {marker}\n"})
    proc = subprocess.Popen([*DOCKYARD, "--root", dy.root, "build", "--progress", "plain", "-t", "intr",
                             str(ctx)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "#2 started":
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.3)
    alive = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    for pid in alive:  # never leave it running, even when the assertion below fails
        os.kill(int(pid), signal.SIGKILL)
    assert alive == []
    assert dy("image", "inspect", "intr", check=False).returncode != 0
    run_dir = os.path.join(dy.root, "buildcache", "run")
    assert not os.path.isdir(run_dir) or os.listdir(run_dir) == []


def test_source_date_epoch_gives_the_same_image_on_any_day(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nWORKDIR /w\nCOPY . .\nRUN date > /stamp && mkdir /gen\n",
                "f.txt": "content"})
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    dy.build(ctx, "-t", "r1", "--no-cache", env=env)
    later = time.time() + 5000
    os.utime(ctx / "f.txt", (later, later))
    time.sleep(1.1)
    p = dy.build(ctx, "-t", "r2", "--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000")
    assert "CACHED" not in steps(p.stderr)[3]
    # /stamp differs in content between the runs, so compare the parts that must not depend on time
    r1 = json.loads(dy.out("image", "inspect", "r1"))[0]
    r2 = json.loads(dy.out("image", "inspect", "r2"))[0]
    assert r1["Created"] == r2["Created"]
    assert r1["Created"].startswith("2023-11-14T22:13:20")
    assert r1["RootFS"]["Layers"][:3] == r2["RootFS"]["Layers"][:3]  # busybox, WORKDIR, COPY


def test_source_date_epoch_same_image_id_for_deterministic_steps(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nWORKDIR /w\nCOPY . .\nRUN echo fixed > /gen && mkdir /d\nENV A=1\n",
                "f.txt": "content"})
    dy.build(ctx, "-t", "r3")  # without it, timestamps differ
    p = dy.build(ctx, "-t", "r1", env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert "CACHED" not in steps(p.stderr)[4]  # results built without the epoch are not reused
    assert "cache miss: SOURCE_DATE_EPOCH added" in steps(p.stderr)[2]
    later = time.time() + 5000
    os.utime(ctx / "f.txt", (later, later))
    time.sleep(1.1)
    dy.build(ctx, "-t", "r2", "--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000")
    assert image_id(dy, "r1") == image_id(dy, "r2")
    assert image_id(dy, "r3") != image_id(dy, "r1")


def test_cache_survives_and_builder_prune_clears_it(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nRUN echo x > /x\n"})
    dy.build(ctx, "-t", "p1")
    assert "CACHED" in steps(dy.build(ctx).stderr)[2]
    rows = {r["Type"]: r for r in map(json.loads, dy.out("system", "df", "--format", "json").splitlines())}
    assert rows["Build Cache"]["TotalCount"] == "1"
    out = dy.out("builder", "prune", "-f")
    assert "Deleted build cache objects: 1" in out
    rows = {r["Type"]: r for r in map(json.loads, dy.out("system", "df", "--format", "json").splitlines())}
    assert rows["Build Cache"]["TotalCount"] == "0"
    st = steps(dy.build(ctx).stderr)
    assert "cache miss: no previous build of this step" in st[2]


def test_context_from_stdin_tar_and_dockerfile_from_stdin(dy: DY, ctx: Path, tmp_path: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nCOPY data.txt /data.txt\n", "data.txt": "from tar"})
    tar_path = tmp_path / "ctx.tar"
    with tarfile.open(tar_path, "w") as tf:
        tf.add(ctx, ".")
    p = dy("build", "-q", "-t", "fromtar", "-", input=tar_path.read_bytes())
    assert p.stdout.strip().startswith("sha256:")
    assert dy.out("run", "--rm", "fromtar", "cat", "/data.txt") == "from tar"
    dy("build", "-q", "-t", "dfstdin", "-f", "-", str(ctx), input=b"FROM busybox\nCOPY data.txt /d\n")
    assert dy.out("run", "--rm", "dfstdin", "cat", "/d") == "from tar"


def test_check_reports_errors_with_line_numbers(dy: DY, ctx: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nRUNN echo\n"})
    p = dy("build", "--check", str(ctx), check=False)
    assert p.returncode == 1
    assert "Dockerfile:2:" in p.stderr
    p = dy("build", "--check", "--format", "json", "-f", str(ctx / "Dockerfile"), str(ctx), check=False)
    assert p.returncode == 1
    assert json.loads(p.stdout)["errors"]


def test_labels_iidfile_and_quiet(dy: DY, ctx: Path, tmp_path: Path) -> None:
    write(ctx, {"Dockerfile": "FROM busybox\nLABEL a=1\n"})
    iid = tmp_path / "iid"
    p = dy("build", "-q", "--label", "b=2", "--iidfile", str(iid), str(ctx))
    assert p.stdout.strip() == iid.read_text()
    labels = json.loads(dy.out("image", "inspect", "-f", "{{json .Config.Labels}}", iid.read_text()))
    assert labels == {"a": "1", "b": "2"}
    assert dy("build", "-q", "--label", "b=2", str(ctx)).stdout.strip() == iid.read_text()
