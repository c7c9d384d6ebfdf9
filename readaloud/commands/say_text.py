"""Where the text of a ``say`` request comes from: arguments, standard input (``-``) or ``--file``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from readaloud.errors import UsageError

if TYPE_CHECKING:
    from readaloud.environment import Environment


def read_text(args: argparse.Namespace, env: Environment) -> str:
    """The text of a ``say`` request: arguments, ``-`` for standard input, or ``--file``."""
    if args.file is not None:
        if args.text:
            raise UsageError("give the text either as arguments or with --file, not both")
        try:
            data = args.file.read_bytes()
        except OSError as error:
            raise UsageError(f"cannot read {args.file}: {error.strerror}") from None
        return data.decode("utf-8", errors="replace")
    if args.text == ["-"] or (not args.text and not _is_tty(env.stdin)):
        raw = getattr(env.stdin, "buffer", None)
        if raw is not None:  # bytes that are not UTF-8 must not stop the reading
            return str(raw.read().decode("utf-8", errors="replace"))
        return str(env.stdin.read())
    if not args.text:
        raise UsageError("nothing to say: give TEXT, '-' for standard input, or --file PATH")
    return " ".join(args.text)


def _is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
