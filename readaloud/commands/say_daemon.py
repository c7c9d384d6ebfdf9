"""``readaloud say`` through the resident daemon: ``--queue``, ``--wait`` and autospawn.

``readaloud.commands.say.run_say`` calls :func:`say_via_daemon` when neither ``--output`` nor ``--no-daemon``
is given. Light imports only: no numpy, torch or sounddevice in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import signal
from typing import IO, TYPE_CHECKING

from readaloud.commands.control import autospawn_enabled, notes
from readaloud.commands.say_text import read_text
from readaloud.core import MAX_SPEED, MIN_SPEED
from readaloud.errors import ExitStatus, TextTooLongError, UsageError

if TYPE_CHECKING:
    from dbus_fast import Message

    from readaloud.client import Client
    from readaloud.environment import Environment

# Far above any sensible [text].max_chars and well below D-Bus's 128 MiB message limit; the daemon
# enforces the configured limit with a clear error.
CLIENT_MAX_CHARS = 32_000_000

_SURROGATES = re.compile("[\ud800-\udfff]")

FINISH_MESSAGES = {
    "done": None,
    "stopped": "reading was stopped before the end",
    "replaced": "reading was interrupted by another request",
    "error": "reading failed; see the daemon log ('readaloud doctor' checks the setup)",
}
AUDIO_LOST_MESSAGE = (
    "error: lost the sound server while reading job {job}; start it again (PipeWire or PulseAudio) "
    "and reading resumes, or 'readaloud stop'"
)


def clean_text(text: str, stderr: IO[str]) -> str:
    """Make ``text`` sendable over D-Bus (valid UTF-8, no NUL), saying what was replaced.

    Bytes that were not UTF-8 reach Python as lone surrogates (from arguments or a terminal with
    ``surrogateescape``); they become U+FFFD, which the text frontend skips.
    """
    text, replaced = _SURROGATES.subn("\ufffd", text)
    if replaced:
        print(f"readaloud: warning: replaced {replaced} character(s) that were not valid UTF-8", file=stderr)
    if "\0" in text:
        text = text.replace("\0", " ")
    if len(text) > CLIENT_MAX_CHARS:
        raise TextTooLongError(
            f"the text has {len(text):,} characters; readaloud accepts at most {CLIENT_MAX_CHARS:,} at once"
        )
    return text


def say_via_daemon(args: argparse.Namespace, env: Environment) -> int:
    """Send the text to the daemon (starting it if needed); with ``--wait``, report how it ended."""
    from readaloud.client import run

    if args.speed is not None and not math.isfinite(args.speed):
        raise UsageError(f"speed must be a number from {MIN_SPEED} to {MAX_SPEED}")
    reconfigure = getattr(env.stdin, "reconfigure", None)
    if reconfigure is not None:
        # Bytes on standard input that are not UTF-8 become lone surrogates, which clean_text
        # replaces with a warning, instead of failing the whole request with a traceback.
        reconfigure(errors="surrogateescape")
    text = clean_text(read_text(args, env), env.stderr)
    if not text.strip():
        raise UsageError("nothing to say: the text is empty")

    async def action(client: Client) -> int:
        await client.ensure_running(notes(args, env), autospawn=autospawn_enabled)
        if not args.wait:
            await client.say(text, voice=args.voice, speed=args.speed, queue=args.queue)
            return 0
        return await say_and_wait(client, text, args, env.stderr)

    return run(action)


async def say_and_wait(client: Client, text: str, args: argparse.Namespace, stderr: IO[str]) -> int:
    """Say ``text`` and block until its job finishes: 0 when it was read to the end, 1 otherwise.

    Ctrl+C stops the job if it is the one being read, like a foreground player.
    """
    from readaloud.client import PROPERTIES
    from readaloud.dbus.names import BUS_NAME, INTERFACE, OBJECT_PATH

    loop = asyncio.get_running_loop()
    finished: dict[int, str] = {}
    changed = asyncio.Event()
    gone = False
    audio_lost = False

    def on_message(message: Message) -> None:
        nonlocal gone, audio_lost
        if message.member == "JobFinished" and message.interface == INTERFACE:
            finished[int(message.body[0])] = str(message.body[1])
            changed.set()
        elif (message.member == "PropertiesChanged" and message.path == OBJECT_PATH
              and message.body[0] == INTERFACE and "Audio" in message.body[1]):
            if message.body[1]["Audio"].value == "lost":
                audio_lost = True
                changed.set()
        elif message.member == "NameOwnerChanged" and message.body[0] == BUS_NAME and not message.body[2]:
            gone = True
            changed.set()

    client.bus.add_message_handler(on_message)
    # Subscribe before Say, so that even a job that ends at once is seen.
    await client.add_match(f"type='signal',sender='{BUS_NAME}',interface='{INTERFACE}',member='JobFinished'")
    await client.add_match(
        "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',"
        f"arg0='{BUS_NAME}'"
    )
    await client.add_match(
        f"type='signal',sender='{BUS_NAME}',path='{OBJECT_PATH}',interface='{PROPERTIES}',"
        f"member='PropertiesChanged',arg0='{INTERFACE}'"
    )
    job = await client.say(text, voice=args.voice, speed=args.speed, queue=args.queue)
    if (await client.properties()).get("Audio") == "lost":
        audio_lost = True  # lost before our Say: no change will be announced
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    try:
        while job not in finished and not gone and not audio_lost:
            waiters = {asyncio.ensure_future(changed.wait()), asyncio.ensure_future(interrupted.wait())}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            changed.clear()
            if interrupted.is_set():
                if int((await client.properties()).get("CurrentJob", 0)) == job:
                    await client.command("Stop")
                    print("readaloud: interrupted; reading stopped", file=stderr)
                else:
                    print(f"readaloud: interrupted; job {job} stays queued", file=stderr)
                return ExitStatus.INTERRUPTED
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    if audio_lost and job not in finished:
        print(f"readaloud: {AUDIO_LOST_MESSAGE.format(job=job)}", file=stderr)
        return ExitStatus.FAILURE
    if job not in finished:
        print("readaloud: error: the daemon went away before reading finished", file=stderr)
        return ExitStatus.FAILURE
    reason = finished[job]
    message = FINISH_MESSAGES.get(reason, f"reading ended: {reason}")
    if message is not None:
        print(f"readaloud: {message}", file=stderr)
    return ExitStatus.OK if reason == "done" else ExitStatus.FAILURE
