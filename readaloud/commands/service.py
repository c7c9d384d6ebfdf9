"""``readaloud install-service [--now]`` and ``readaloud uninstall-service``."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readaloud.environment import Environment


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    install = sub.add_parser(
        "install-service",
        help="start readaloud at login (systemd user service, D-Bus activation, autostart entry)",
        description="Write readaloud's systemd user unit, D-Bus activation file and autostart entry "
        "into your XDG directories, then enable the unit when a systemd user manager runs.",
    )
    install.add_argument("--now", action="store_true", help="also start the service now")
    install.set_defaults(handler=_install)
    uninstall = sub.add_parser(
        "uninstall-service",
        help="stop starting readaloud at login and remove the files install-service wrote",
    )
    uninstall.set_defaults(handler=_uninstall)


def running_daemon_pid() -> int | None:
    """The pid of the daemon that owns the bus name now; None when none runs (or no bus answers)."""
    from readaloud.client import Client
    from readaloud.errors import ReadaloudError

    async def query() -> int | None:
        client = await Client.connect()
        try:
            return await client.daemon_pid()
        finally:
            client.disconnect()

    try:
        return asyncio.run(query())
    except ReadaloudError:
        return None


def _install(args: argparse.Namespace, env: Environment) -> int:
    from readaloud import service_install

    return service_install.install(env.stdout, now=args.now, daemon_pid=running_daemon_pid)


def _uninstall(args: argparse.Namespace, env: Environment) -> int:
    from readaloud import service_install

    return service_install.uninstall(env.stdout, daemon_pid=running_daemon_pid)
