"""The Dockerfile language front end: parse, expand, check.

* :func:`parse_dockerfile` -- text -> :class:`Dockerfile` (stages of typed, frozen instructions);
  raises :class:`dockyard.errors.DockerfileSyntaxError` ("Dockerfile:LINE: message").
* :class:`Expander` -- BuildKit word expansion for the executor; :data:`EXPANSION` says which
  fields of which instruction to expand.
* :func:`global_args` / :func:`predefined_args` -- the ARG scope of FROM lines.
* :func:`check_dockerfile` -- ``build --check``: errors and BuildKit lint warnings, never raises.
"""

from .args import PROXY_ARGS, global_args, predefined_args
from .check import CheckResult, LintWarning, check_dockerfile
from .instructions import EXPANSION, Dockerfile, Stage, parse_dockerfile
from .parser import parse
from .shell import Expander

__all__ = [
    "EXPANSION",
    "PROXY_ARGS",
    "CheckResult",
    "Dockerfile",
    "Expander",
    "LintWarning",
    "Stage",
    "check_dockerfile",
    "global_args",
    "parse",
    "parse_dockerfile",
    "predefined_args",
]
