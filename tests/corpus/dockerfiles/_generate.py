"""Regenerate the Dockerfile corpus used by the oracle test: ``python tests/corpus/dockerfiles/_generate.py``.

Each generated file is a FROM line plus a few fragments from FRAGMENTS, picked and mutated
(keyword casing, extra whitespace, CRLF line ends, backtick escape) with a fixed seed, so the
output is stable.  Hand-written files in this directory (``hand-*.Dockerfile``) are kept.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

HERE = Path(__file__).parent

FROMS = [
    "FROM alpine",
    "FROM alpine:3.19 AS build",
    "from debian:12 as base",
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS builder",
    "FROM scratch",
    "FROM ${BASE:-busybox}",
    "FROM registry.example.com:5000/team/app@sha256:" + "a" * 64,
    "FROM --platform=linux/arm64 busybox AS arm",
]

FRAGMENTS = [
    "RUN echo hello",
    'RUN ["echo", "exec form"]',
    'RUN ["broken json"',
    "RUN [not json]",
    "RUN apt-get update && \\\n    apt-get install -y curl && \\\n    rm -rf /var/lib/apt/lists/*",
    "RUN echo one \\\n# a comment inside\n    two",
    "RUN echo a \\\n\n    b",
    "RUN --mount=type=cache,target=/root/.cache go build ./...",
    "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci",
    "RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst",
    "RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true",
    "RUN --network=host --security=insecure make",
    "RUN -- --not-a-flag",
    "RUN <<EOF\necho heredoc\nEOF",
    "RUN <<-EOT bash\n\techo tabbed\n\t\tmore\n\tEOT",
    "RUN <<'EOF'\necho $NOT_EXPANDED\nEOF",
    'RUN <<"EOF" sh -x\nliteral $X\nEOF',
    "RUN cat <<A && cat <<B\nfirst\nA\nsecond\nB",
    "RUN 3<<EOF cat /dev/fd/3\nfd three\nEOF",
    "RUN python3 <<PY\nprint('hi')\nPY",
    "COPY <<EOF /etc/config\nkey=value\nEOF",
    "COPY <<A <<B /dir/\na\nA\nb\nB",
    "ADD <<EOF /x\n$HOME\nEOF",
    'CMD ["nginx", "-g", "daemon off;"]',
    "CMD nginx -g 'daemon off;'",
    "CMD",
    'ENTRYPOINT ["/entrypoint.sh"]',
    "ENTRYPOINT exec top -b",
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    'SHELL ["powershell", "-command"]',
    "LABEL maintainer=\"someone@example.com\" version=1.0",
    'LABEL "com.example.vendor"="ACME Inc" description="multi \\\n    line"',
    "LABEL single value with spaces",
    "ENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8",
    "ENV LEGACY value with spaces",
    'ENV QUOTED="a b" ESCAPED=c\\ d EMPTY=',
    "ENV MULTI=one \\\n    TWO=two",
    "ARG VERSION",
    "ARG VERSION=1.2.3 REVISION",
    'ARG QUOTED="x y"',
    "EXPOSE 80",
    "EXPOSE 80/tcp 443/tcp 53/udp",
    "EXPOSE ${PORT:-8080}",
    "VOLUME /data",
    'VOLUME ["/var/log", "/var/db"]',
    "VOLUME /a /b /c",
    "USER nobody",
    "USER 1000:1000",
    "USER ${APP_USER}",
    "WORKDIR /app",
    "WORKDIR relative/dir",
    "WORKDIR $HOME/src",
    "STOPSIGNAL SIGTERM",
    "STOPSIGNAL 9",
    "HEALTHCHECK NONE",
    "HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 "
    "CMD curl -f http://localhost/ || exit 1",
    'HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]',
    "MAINTAINER John Doe <john@example.com>",
    "ONBUILD RUN echo triggered",
    "ONBUILD COPY . /src",
    'ONBUILD ENTRYPOINT ["/x"]',
    "ONBUILD ADD --chown=1:1 a b",
    "COPY . /src",
    "COPY --from=build /out/app /usr/local/bin/app",
    "COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/",
    'COPY ["file with space", "/dst/"]',
    "COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/",
    "COPY --from=0 / /",
    "ADD https://example.com/archive.tar.gz /tmp/",
    "ADD --checksum=sha256:" + "b" * 64 + " https://example.com/f /f",
    "ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit",
    "ADD --unpack=false --link a.tar /x/",
    "ADD --chown=\"a b\" src dst",
    "COPY --chown='x y' \\\n  src dst",
    "RUN echo 'single \"quoted\"' \"double 'quoted'\"",
    "RUN echo $HOME ${HOME} ${UNSET:-default}",
    "  RUN   echo   leading whitespace   ",
    "RUN\techo\ttabs",
    "# just a comment\nRUN echo after comment",
    "RUN echo trailing \\",
    "RUN echo multi \\\n  \\\n  continued",
    "UNKNOWNINSTR some args",
]

ESCAPED_FRAGMENTS = [
    "RUN dir c:\\ `\n    && echo backtick",
    "COPY c:\\src `\n  c:\\dst",
    "ENV WIN=C:\\Windows",
    "RUN echo `\n\n  after empty",
]


def _mutate(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    first = lines[0]
    m = re.match(r"^(\s*)([A-Za-z]+)", first)
    if m and rng.random() < 0.25:
        kw = m.group(2)
        kw = rng.choice([kw.lower(), kw.upper(), kw.capitalize()])
        first = m.group(1) + kw + first[m.end():]
    if rng.random() < 0.1:
        first = first.replace(" ", "  ", 1)
    lines[0] = first
    return "\n".join(lines)


def generate(count: int = 240, seed: int = 1234) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    # every fragment alone once, so each construct is covered on its own
    for i, frag in enumerate(FRAGMENTS):
        out.append((f"gen-{i:03d}-single", f"FROM alpine\n{frag}\n"))
    i = len(out)
    while len(out) < count:
        parts = []
        if rng.random() < 0.2:
            parts.append("# syntax=docker/dockerfile:1")
        if rng.random() < 0.15:
            parts.append("ARG BASE=alpine")
        parts.append(rng.choice(FROMS))
        parts += [_mutate(rng, f) for f in rng.sample(FRAGMENTS, rng.randint(2, 6))]
        if rng.random() < 0.3:
            parts.append(rng.choice(FROMS))
            parts += [_mutate(rng, f) for f in rng.sample(FRAGMENTS, rng.randint(1, 3))]
        text = "\n".join(parts) + "\n"
        if rng.random() < 0.1:
            text = text.replace("\n", "\r\n")
        if rng.random() < 0.05:
            text = text.rstrip("\r\n")
        out.append((f"gen-{i:03d}-mix", text))
        i += 1
    for j, frag in enumerate(ESCAPED_FRAGMENTS):
        out.append((f"gen-{i + j:03d}-escape", f"# escape=`\nFROM mcr.microsoft.com/windows\n{frag}\n"))
    return out


def main() -> None:
    for old in HERE.glob("gen-*.Dockerfile"):
        old.unlink()
    for name, text in generate():
        (HERE / f"{name}.Dockerfile").write_bytes(text.encode())


if __name__ == "__main__":
    main()
