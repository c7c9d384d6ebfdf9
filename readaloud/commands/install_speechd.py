"""``readaloud install-speechd [--default] [--uninstall]``: readaloud as Speech Dispatcher's voice."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readaloud.environment import Environment


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "install-speechd",
        help="make readaloud a Speech Dispatcher voice (Firefox, Chromium, Orca, spd-say)",
        description="Install readaloud's Speech Dispatcher output module (sd_readaloud) for your user, "
        "keeping espeak-ng and the system's other modules available.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--default", action="store_true",
                       help="also make readaloud Speech Dispatcher's default voice")
    group.add_argument("--uninstall", action="store_true", help="remove what install-speechd wrote")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace, env: Environment) -> int:
    from readaloud.speechd import install

    if args.uninstall:
        return install.uninstall(env.stdout)
    return install.install(env.stdout, default=args.default)
