"""``readaloud say``: speak text (through the daemon, or in this process) or write it to an audio file."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from readaloud.commands.say_text import read_text
from readaloud.core import MAX_SPEED, MIN_SPEED, check_speed
from readaloud.errors import ExitStatus, UsageError

if TYPE_CHECKING:
    from readaloud.config import Config
    from readaloud.environment import Environment

_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    say = sub.add_parser("say", help="speak text (or write it to an audio file with --output)")
    say.add_argument("text", nargs="*", metavar="TEXT", help="words to speak; '-' reads standard input")
    say.add_argument("--file", type=Path, help="read the text from a file")
    say.add_argument("--voice", help="voice name, e.g. af_heart (see 'readaloud voices')")
    say.add_argument("--speed", type=float, help=f"speaking rate, {MIN_SPEED} to {MAX_SPEED} (1.0 is normal)")
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


def run_say(args: argparse.Namespace, env: Environment) -> int:
    if args.output is not None:
        return _say_to_file(args, env)
    if args.no_daemon:
        return _say_in_process(args, env)
    from readaloud.commands.say_daemon import say_via_daemon

    return say_via_daemon(args, env)


def _settings(args: argparse.Namespace) -> tuple[Config, str, float]:
    from readaloud.config import load_config
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
    check_output_path(output)
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
    return ExitStatus.OK


def check_output_path(output: Path) -> None:
    """Refuse, before any synthesis, a path that cannot be written (no folder is created for it)."""
    folder = output.parent
    if output.is_dir():
        raise UsageError(f"cannot write {output}: it is a folder; name a file, e.g. {output / 'speech.wav'}")
    if not folder.exists():
        raise UsageError(f"cannot write {output}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise UsageError(f"cannot write {output}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {output}: no permission to write in {folder}")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _say_in_process(args: argparse.Namespace, env: Environment) -> int:
    text = read_text(args, env)
    config, voice, speed = _settings(args)
    from readaloud.playback.speak import speak_in_process

    return speak_in_process(config, text, voice, speed, env)
