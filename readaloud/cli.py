"""The ``readaloud`` command line: argparse subcommands, one top-level error handler."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from readaloud import __version__
from readaloud.environment import Environment
from readaloud.errors import ExitStatus, ReadaloudError
from readaloud.logging_setup import setup_logging

Handler = Callable[[argparse.Namespace, Environment], int]
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    # Each command module owns its arguments and handler; imports stay light so control
    # commands start fast (no torch, no sounddevice at import time).
    from readaloud.commands import (
        bind_shortcut,
        control,
        doctor,
        install_speechd,
        say,
        service,
        setup,
        voices,
    )

    return [
        say.register,
        voices.register,
        control.register,
        setup.register,
        bind_shortcut.register,
        doctor.register,
        service.register,
        install_speechd.register,
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readaloud", description="Read text aloud with Kokoro-82M, locally."
    )
    parser.add_argument("--version", action="version", version=f"readaloud {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:  # bare ``readaloud``: what it can do
        env.stdout.write(parser.format_help())
        return ExitStatus.OK
    setup_logging(args.verbose, args.quiet, daemon=args.command == "daemon", stream=env.stderr)
    handler: Handler = args.handler
    try:
        return handler(args, env)
    except ReadaloudError as error:
        print(f"readaloud: error: {error}", file=env.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("readaloud: interrupted", file=env.stderr)
        return ExitStatus.INTERRUPTED
