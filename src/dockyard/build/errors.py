"""Build errors: everything a failed build reports exits 1 (as ``docker build``)."""

from __future__ import annotations

from ..errors import DockyardError, InvalidArgument


class BuildError(DockyardError):
    """A build failed for a reason that is the Dockerfile's or the context's (exit 1)."""

    exit_code = 1


class BuildInputError(InvalidArgument):
    """Bad input found while building (missing COPY source, unknown stage, ...): exit 1."""

    exit_code = 1

    def __init__(self, message: str, *, line: int | None = None, file: str = "Dockerfile") -> None:
        where = f"{file}:{line}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line


class StepFailed(BuildError):
    """A RUN step exited non-zero: carries what the user needs to debug it."""

    def __init__(self, step: str, command: str, exit_code: int, output_tail: list[str],
                 debug_dir: str, line: int | None = None) -> None:
        where = f"Dockerfile:{line}: " if line is not None else ""
        super().__init__(
            f"{where}process \"{command}\" did not complete successfully: exit code: {exit_code}"
            f" (failed step's filesystem kept in {debug_dir} until 'builder prune')")
        self.step = step
        self.command = command
        self.status = exit_code
        self.output_tail = output_tail
        self.debug_dir = debug_dir
        self.line = line
