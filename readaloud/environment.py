"""What a command may touch: standard streams, swappable in tests (httpie's ``Environment``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import IO


@dataclass
class Environment:
    """The streams a command reads and writes; ``readaloud.cli.main(argv, env)`` passes it down."""

    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)

    @property
    def stderr_is_tty(self) -> bool:
        return hasattr(self.stderr, "isatty") and self.stderr.isatty()
