"""Errors raised by dockyard.

Every failure is an exception; nothing returns a boolean or a sentinel for failure.
The tree (containerd's classes, with domain subclasses that carry identifiers)::

    DockyardError
    ├── NotFound                 404 / exit 125 (127 for a command missing in a container)
    │   ├── ImageNotFound
    │   ├── ContainerNotFound
    │   ├── BlobNotFound
    │   └── LayerNotFound
    ├── AlreadyExists            409
    │   └── NameInUse
    ├── InvalidArgument          400
    │   ├── InvalidReference
    │   └── DockerfileSyntaxError
    ├── FailedPrecondition       412
    │   └── DigestMismatch
    ├── Conflict                 409
    │   ├── ContainerNotRunning
    │   ├── ContainerRunning
    │   ├── ImageInUse
    │   └── InvalidStateTransition
    ├── Unavailable              503
    ├── NotImplemented_          501
    ├── PermissionDenied         403
    ├── Unauthenticated          401
    └── ContainerStartError      500, carries the exit code docker uses (126 / 127 / 125)

`http_status()` and `exit_code()` map a class to what the API server and the CLI report.
"""

from __future__ import annotations


class DockyardError(Exception):
    """Base class of every error dockyard raises on purpose."""

    http_status = 500
    exit_code = 125
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class NotFound(DockyardError):
    http_status = 404


class AlreadyExists(DockyardError):
    http_status = 409


class InvalidArgument(DockyardError):
    http_status = 400


class FailedPrecondition(DockyardError):
    http_status = 412


class Conflict(DockyardError):
    http_status = 409


class Unavailable(DockyardError):
    http_status = 503


class NotImplemented_(DockyardError):
    http_status = 501


class PermissionDenied(DockyardError):
    http_status = 403


class Unauthenticated(DockyardError):
    http_status = 401


# --- domain subclasses -------------------------------------------------------------------------


class ImageNotFound(NotFound):
    def __init__(self, ref: str, message: str | None = None) -> None:
        super().__init__(message or f"No such image: {ref}")
        self.ref = ref


class ContainerNotFound(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No such container: {ref}")
        self.ref = ref


class BlobNotFound(NotFound):
    def __init__(self, digest: str) -> None:
        super().__init__(f"blob not found: {digest}")
        self.digest = digest


class LayerNotFound(NotFound):
    def __init__(self, chain_id: str) -> None:
        super().__init__(f"layer not found: {chain_id}")
        self.chain_id = chain_id


class NameInUse(AlreadyExists):
    def __init__(self, name: str, container_id: str) -> None:
        super().__init__(
            f'Conflict. The container name "/{name}" is already in use by container "{container_id}". '
            "You have to remove (or rename) that container to be able to reuse that name."
        )
        self.name = name
        self.container_id = container_id


class InvalidReference(InvalidArgument):
    def __init__(self, ref: str, reason: str = "invalid reference format") -> None:
        super().__init__(f"{reason}: {ref!r}" if ref else reason)
        self.ref = ref


class DockerfileSyntaxError(InvalidArgument):
    exit_code = 1

    def __init__(self, message: str, *, line: int | None = None, file: str = "Dockerfile") -> None:
        where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(where + message)
        self.line = line
        self.file = file


class DigestMismatch(FailedPrecondition):
    def __init__(self, expected: str, actual: str, what: str = "content") -> None:
        super().__init__(f"{what} digest mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class ContainerNotRunning(Conflict):
    def __init__(self, container_id: str, message: str | None = None) -> None:
        super().__init__(message or f"Container {container_id} is not running")
        self.container_id = container_id


class ContainerRunning(Conflict):
    def __init__(self, container_id: str, message: str | None = None) -> None:
        super().__init__(message or f"Container {container_id} is running")
        self.container_id = container_id


class ImageInUse(Conflict):
    def __init__(self, ref: str, container_id: str, image_id: str) -> None:
        super().__init__(
            f"conflict: unable to remove repository reference \"{ref}\" (must force) - container "
            f"{container_id[:12]} is using its referenced image {image_id[:12]}"
        )
        self.ref = ref
        self.container_id = container_id


class InvalidStateTransition(Conflict):
    def __init__(self, container_id: str, current: str, wanted: str) -> None:
        super().__init__(f"container {container_id[:12]}: cannot go from {current} to {wanted}")
        self.current = current
        self.wanted = wanted


class ContainerStartError(DockyardError):
    """The container's process could not be started; exit_code is docker's 125/126/127."""

    def __init__(self, message: str, exit_code: int = 125) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def http_status(err: BaseException) -> int:
    return err.http_status if isinstance(err, DockyardError) else 500


def exit_code(err: BaseException) -> int:
    return err.exit_code if isinstance(err, DockyardError) else 125
