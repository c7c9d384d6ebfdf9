"""``python -m readaloud.speech.graph MODEL``: write the prepared copy of MODEL (the engine runs this
in a child process when the copy is missing; ``readaloud setup`` prepares in-process)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from readaloud.errors import ReadaloudError
from readaloud.speech.graph.prepare import prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m readaloud.speech.graph", description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)

    def report(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    try:
        prepare(args.model, report=report, threads=args.threads)
    except (ReadaloudError, OSError) as error:
        report(f"readaloud: error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
