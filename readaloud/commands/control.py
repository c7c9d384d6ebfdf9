"""Control commands: each is one D-Bus call to the daemon (pause, resume, status, voice, …), plus
``daemon`` (run the daemon in the foreground) and ``read-selection``.

Imports stay light (dbus-fast and the standard library): these commands must answer in well under
half a second. Each sends its call without asking first whether the daemon runs: with no owner of
the name the bus answers ``ServiceUnknown``, which the client turns into "not running".
"""

from __future__ import annotations

import argparse
import io
import json
from typing import IO, TYPE_CHECKING, Any

from readaloud.core import MAX_SPEED, MIN_SPEED
from readaloud.errors import UsageError

if TYPE_CHECKING:
    from readaloud.client import Client
    from readaloud.environment import Environment

# command -> (D-Bus method, help)
TRANSPORT = {
    "pause": ("Pause", "pause reading (resume continues mid-sentence)"),
    "resume": ("Resume", "resume paused reading"),
    "toggle": ("TogglePause", "pause or resume"),
    "stop": ("Stop", "stop reading and drop what is queued"),
    "skip": ("Skip", "skip to the next sentence"),
    "back": ("Back", "restart the sentence (or go to the previous one)"),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, (member, help_text) in TRANSPORT.items():
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=run_transport, member=member)

    quit_parser = sub.add_parser("quit", help="stop the daemon (it unloads the model)",
                                 description="stop the running daemon; the next 'say' starts it again")
    quit_parser.set_defaults(handler=run_quit)

    status = sub.add_parser("status", help="show what the daemon is doing")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=run_status)

    voice = sub.add_parser("voice", help="show or change the voice of the running daemon")
    voice.add_argument("name", nargs="?", metavar="NAME", help="a voice from 'readaloud voices'")
    voice.set_defaults(handler=run_voice)

    speed = sub.add_parser("speed", help="show or change the speaking rate of the running daemon")
    speed.add_argument("value", nargs="?", type=float, metavar="X",
                       help=f"{MIN_SPEED} to {MAX_SPEED} (1.0 is normal)")
    speed.set_defaults(handler=run_speed)

    selection = sub.add_parser(
        "read-selection", help="read the highlighted text aloud (bind this to a desktop shortcut)"
    )
    selection.add_argument("--clipboard", action="store_true", help="read the clipboard instead")
    selection.set_defaults(handler=run_read_selection)

    daemon = sub.add_parser("daemon", help="run the daemon in the foreground (keeps the model loaded)")
    daemon.add_argument("--config", metavar="PATH", help="config file (default: the XDG config file)")
    daemon.set_defaults(handler=run_daemon)


def _client_run(action: Any) -> int:
    from readaloud.client import run

    return run(action)


def run_transport(args: argparse.Namespace, env: Environment) -> int:
    async def action(client: Client) -> int:
        await client.command(args.member)
        return 0

    return _client_run(action)


def run_quit(args: argparse.Namespace, env: Environment) -> int:
    async def action(client: Client) -> int:
        pid = await client.daemon_pid()
        await client.command("Quit")
        await client.wait_gone()
        print(f"readaloud: the daemon{f' (pid {pid})' if pid else ''} has quit", file=notes(args, env))
        return 0

    return _client_run(action)


def status_fields(properties: dict[str, Any], pid: int | None = None) -> dict[str, Any]:
    """The ``status --json`` object from the daemon's properties.

    Sentences count from 1 here, in the text and the JSON alike (the first sentence of a job is
    sentence 1); D-Bus (``CurrentSentence``, ``SentenceStarted``) indexes them from 0.
    """
    job = int(properties.get("CurrentJob", 0))
    sentence = int(properties.get("CurrentSentence", -1))
    return {
        "state": properties["State"],
        "voice": properties["Voice"],
        "speed": round(float(properties["Speed"]), 3),
        "job": job or None,
        "sentence": sentence + 1 if job and sentence >= 0 else None,
        "underruns": int(properties.get("Underruns", 0)),
        "pid": pid,
        "audio": str(properties.get("Audio", "ok")),
    }


AUDIO_LINES = {
    "lost": "audio: lost (the sound server went away; reading resumes when it is back)",
    "none": "audio: none (no sound server or output device; start PipeWire or PulseAudio)",
}


def format_status(fields: dict[str, Any]) -> str:
    lines = [f"state: {fields['state']}", f"voice: {fields['voice']}", f"speed: {fields['speed']:g}"]
    if fields["job"] is not None:
        where = f", sentence {fields['sentence']}" if fields["sentence"] is not None else ""
        lines.append(f"job:   {fields['job']}{where}")
    if fields["underruns"]:
        lines.append(f"under-runs: {fields['underruns']} (the audio ran dry inside sentences)")
    if fields.get("pid") is not None:
        lines.append(f"pid:   {fields['pid']}")
    lines.append(AUDIO_LINES.get(fields["audio"], f"audio: {fields['audio']}"))
    return "\n".join(lines)


def run_status(args: argparse.Namespace, env: Environment) -> int:
    async def action(client: Client) -> int:
        fields = status_fields(await client.properties(), await client.daemon_pid())
        if args.json:
            env.stdout.write(json.dumps(fields) + "\n")
        else:
            env.stdout.write(format_status(fields) + "\n")
        return 0

    return _client_run(action)


def run_voice(args: argparse.Namespace, env: Environment) -> int:
    async def action(client: Client) -> int:
        if args.name is None:
            env.stdout.write(f"{(await client.properties())['Voice']}\n")
        else:
            await client.call("SetVoice", "s", [args.name])
        return 0

    return _client_run(action)


def run_speed(args: argparse.Namespace, env: Environment) -> int:
    if args.value is not None and args.value != args.value:  # NaN
        raise UsageError(f"speed must be a number from {MIN_SPEED} to {MAX_SPEED}")

    async def action(client: Client) -> int:
        if args.value is None:
            env.stdout.write(f"{float((await client.properties())['Speed']):g}\n")
        else:
            await client.call("SetSpeed", "d", [float(args.value)])
        return 0

    return _client_run(action)


def autospawn_enabled() -> bool:
    from readaloud.config import load_config

    return bool(load_config().daemon.autospawn)


def notes(args: argparse.Namespace, env: Environment) -> IO[str]:
    """Where progress notes (starting the daemon…) go: stderr, unless ``-q``."""
    return io.StringIO() if args.quiet else env.stderr


def run_read_selection(args: argparse.Namespace, env: Environment) -> int:
    source = "clipboard" if args.clipboard else ""

    async def action(client: Client) -> int:
        await client.ensure_running(notes(args, env), autospawn=autospawn_enabled)
        await client.call("ReadSelection", "s", [source])
        return 0

    return _client_run(action)


def run_daemon(args: argparse.Namespace, env: Environment) -> int:
    from pathlib import Path

    from readaloud.daemon import run_daemon as serve

    # Logging is set up already: cli.main saw the "daemon" command and chose the daemon's format.
    return serve(Path(args.config) if args.config else None)
