"""``readaloud doctor``: check the machine and say how to fix what does not work."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readaloud.environment import Environment


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check the desktop, sound, model and service; print the fix for each problem",
        description="One line per check (ok, warn or fail) with the fix. Exit status 1 when a check fails.",
    )
    parser.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace, env: Environment) -> int:
    from readaloud.doctor.checks import report, run_checks
    from readaloud.doctor.probe import SystemProbe

    return report(run_checks(SystemProbe()), env.stdout)
