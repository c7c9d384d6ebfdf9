"""``say`` and ``voices``: speaking text, writing it to a file, and listing Kokoro's voices."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from readaloud.errors import UsageError

if TYPE_CHECKING:
    from readaloud.cli import Environment
    from readaloud.config import Config

_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    say = sub.add_parser("say", help="speak text (or write it to an audio file with --output)")
    say.add_argument("text", nargs="*", metavar="TEXT", help="words to speak; '-' reads standard input")
    say.add_argument("--file", type=Path, help="read the text from a file")
    say.add_argument("--voice", help="voice name, e.g. af_heart (see 'readaloud voices')")
    say.add_argument("--speed", type=float, help="speaking rate, 0.5 to 2.0 (1.0 is normal)")
    say.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write audio to FILE (.wav, .flac or .ogg) instead of playing it; needs no daemon",
    )
    say.add_argument("--queue", action="store_true", help="play after what is being read now")
    say.add_argument("--wait", action="store_true", help="return only when reading has finished")
    say.add_argument("--no-daemon", action="store_true", help="speak in this process instead of the daemon")
    say.set_defaults(handler=run_say)

    voices = sub.add_parser("voices", help="list the available voices")
    voices.add_argument("--json", action="store_true", help="machine-readable output")
    voices.add_argument("--language", help="only voices of this language, e.g. en-gb")
    voices.set_defaults(handler=run_voices)


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


def run_say(args: argparse.Namespace, env: Environment) -> int:
    if args.output is not None:
        return _say_to_file(args, env)
    if args.no_daemon:
        return _say_in_process(args, env)
    from readaloud.commands.say_client import say_via_daemon

    return say_via_daemon(args, env)


def _settings(args: argparse.Namespace) -> tuple[Config, str, float]:
    from readaloud.config import load_config
    from readaloud.speech.engine import check_speed
    from readaloud.speech.voices import voice_info

    config = load_config()
    voice = args.voice or config.speech.voice
    voice_info(voice)
    speed = check_speed(args.speed if args.speed is not None else config.speech.speed)
    return config, voice, speed


def _say_to_file(args: argparse.Namespace, env: Environment) -> int:
    output: Path = args.output
    audio_format = _FORMATS.get(output.suffix.lower())
    if audio_format is None:
        raise UsageError(f"cannot write {output.name}: use a .wav, .flac or .ogg file name")
    import soundfile

    if audio_format not in soundfile.available_formats():
        raise UsageError(f"this libsndfile cannot write {audio_format}; use a .wav file name")
    text = read_text(args, env)
    config, voice, speed = _settings(args)
    from readaloud.speech.synthesizer import build_synthesizer

    synthesizer = build_synthesizer(config)
    show_progress = env.stderr_is_tty

    def progress(done: int, total: int) -> None:
        if show_progress and total > 1:
            end = "\n" if done == total else ""
            print(f"\rsynthesizing: {done}/{total} sentences", end=end, file=env.stderr, flush=True)

    audio = synthesizer.synthesize_text(
        text, voice, speed, sentence_pause=config.playback.sentence_pause, progress=progress
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failure never leaves half a file behind.
    fd, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=output.suffix, dir=output.parent)
    os.close(fd)
    try:
        soundfile.write(temporary, audio, synthesizer.sample_rate, format=audio_format)
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes it private; a user's file isn't
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    seconds = len(audio) / synthesizer.sample_rate
    if not args.quiet:
        print(f"wrote {output} ({seconds:.1f} s, voice {voice})", file=env.stderr)
    return 0


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _say_in_process(args: argparse.Namespace, env: Environment) -> int:
    text = read_text(args, env)
    config, voice, speed = _settings(args)
    from readaloud.playback.speak import speak_in_process

    return speak_in_process(config, text, voice, speed, env)


def run_voices(args: argparse.Namespace, env: Environment) -> int:
    from readaloud.speech.voices import VOICES

    voices = [v for v in VOICES.values() if args.language in (None, v.language)]
    if args.language and not voices:
        languages = sorted({v.language for v in VOICES.values()})
        raise UsageError(f"no voices for language {args.language!r}; languages: {', '.join(languages)}")
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
