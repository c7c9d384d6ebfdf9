"""``readaloud voices``: list Kokoro's voices, optionally of one language, as text or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from readaloud.errors import UsageError, echo

if TYPE_CHECKING:
    from readaloud.environment import Environment


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    voices = sub.add_parser("voices", help="list the available voices")
    voices.add_argument("--json", action="store_true", help="machine-readable output")
    voices.add_argument("--language", help="only voices of this language, e.g. en-gb")
    voices.set_defaults(handler=run_voices)


def run_voices(args: argparse.Namespace, env: Environment) -> int:
    from readaloud.speech.voices import VOICES

    voices = [v for v in VOICES.values() if args.language in (None, v.language)]
    if args.language and not voices:
        languages = sorted({v.language for v in VOICES.values()})
        raise UsageError(f"no voices for language {echo(args.language)}; languages: {', '.join(languages)}")
    if args.json:
        rows = [
            {"name": v.name, "language": v.language, "gender": v.gender, "label": v.display_name}
            for v in voices
        ]
        json.dump(rows, env.stdout, indent=2)
        env.stdout.write("\n")
        return 0
    width = max(len(v.name) for v in voices)
    for v in voices:
        print(f"{v.name:<{width}}  {v.language:<6} {v.gender:<7} {v.display_name}", file=env.stdout)
    return 0
