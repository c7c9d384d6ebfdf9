# ruff: noqa: F811  (pytest fixtures imported from daemon_fixtures share their parameters' names)
"""readaloud as the desktop's system voice, with the real pieces: Debian's speech-dispatcher,
``readaloud install-speechd``, spd-say and python3-speechd clients, a Spiel client on the bus, the
real model, and what reaches the PulseAudio null sink (checked with Whisper).

The daemon is not started by the test: the first message starts it through D-Bus activation,
as on a desktop where ``readaloud install-service`` was run.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from readaloud.dbus.names import BUS_NAME, SPIEL_BUS_NAME, SPIEL_INTERFACE, SPIEL_PATH
from readaloud.service_install import install as install_service
from readaloud.spiel.stream import EventType, read_stream
from tests.integration.daemon_fixtures import (  # noqa: F401  (fixtures)
    Bus,
    Recorder,
    Services,
    readaloud,
    recorder,
    services,
)
from tests.speech_check import transcribe, word_error_rate, words
from tests.support.services import REPO, _wait

pytestmark = [pytest.mark.model, pytest.mark.audio, pytest.mark.desktop]

SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).parent / "speechd_client.py"
# Sentences no other test speaks (the model has not "heard" them warm in this process).
FIRST = "Seven violet kites drifted slowly over the wheat field."
LONG = (
    "The lighthouse keeper wrote a letter every evening. He described the ships, the weather and the "
    "birds. Nobody ever answered, but he kept writing for twenty years. In the end the letters filled "
    "a whole cupboard."
)


@dataclass
class SystemVoice:
    services: Services
    speechd: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        return self.services.env

    def spd_say(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["spd-say", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def owner_pid(self) -> int | None:
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID",
             f"string:{BUS_NAME}"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        if result.returncode != 0:
            return None
        return int(result.stdout.split()[-1])


def _start_speechd(services: Services) -> subprocess.Popen[bytes]:
    log = open(services.root / "speechd.out", "wb")  # noqa: SIM115 - closed with the process's end
    process = subprocess.Popen(["speech-dispatcher", "-s", "-t", "0"], env=services.env, stdout=log,
                               stderr=subprocess.STDOUT)
    path = Path(services.env["XDG_RUNTIME_DIR"]) / "speech-dispatcher" / "speechd.sock"

    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"speech-dispatcher exited: {(services.root / 'speechd.out').read_text()}")
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(path))
            return True
        except OSError:
            return False

    _wait(listening, 60, "speech-dispatcher")
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def system_voice(services: Services) -> Iterator[SystemVoice]:
    for tool in ("speech-dispatcher", "spd-say", "dbus-update-activation-environment"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install speech-dispatcher and dbus (see scripts/test)")
    if subprocess.run([SYSTEM_PYTHON, "-c", "import speechd"], capture_output=True).returncode != 0:
        pytest.fail("python3-speechd is missing for the system python3 (Debian package python3-speechd)")
    env = services.env
    env["HOME"] = str(services.root / "home")
    env["PYTHONPATH"] = str(REPO)
    Path(env["HOME"]).mkdir(exist_ok=True)
    # What a desktop session does at login: D-Bus activation and the activated daemon's environment.
    # The command is a script that keeps the daemon's log (the bus would pass on its own stdout).
    command = services.root / "readaloud-logged"
    log = services.root / "daemon.log"
    command.write_text(f'#!/bin/sh\nexec {sys.executable} -m readaloud -v "$@" >>{log} 2>&1\n')
    command.chmod(0o755)
    install_service(open(os.devnull, "w"), environ={**env, "PATH": "/nonexistent"},  # noqa: SIM115
                    command=[str(command)])
    names = ("PULSE_SERVER", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
             "XDG_RUNTIME_DIR", "DISPLAY", "HOME", "PYTHONPATH", "PYTHONUNBUFFERED")
    subprocess.run(["dbus-update-activation-environment", *(f"{name}={env[name]}" for name in names)],
                   env=env, check=True, timeout=10)
    # The bus started before the services folder existed: it looks again (dbus-broker needs this too).
    subprocess.run(["dbus-send", "--session", "--type=method_call", "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus", "org.freedesktop.DBus.ReloadConfig"],
                   env=env, check=True, timeout=10)
    # As a user would install it.
    result = readaloud(services, "install-speechd")
    assert result.returncode == 0, result.stderr.decode()
    speechd = _start_speechd(services)
    voice = SystemVoice(services, speechd)
    yield voice
    _stop(voice.speechd)  # a test may have restarted it
    pid = voice.owner_pid()
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        _wait(lambda: voice.owner_pid() is None, 60, "the daemon to exit")


@pytest.fixture
def warm(system_voice: SystemVoice) -> SystemVoice:
    """The daemon running (started by the first test's message, or here through activation)."""
    if system_voice.owner_pid() is None:
        result = system_voice.spd_say("-o", "readaloud", "-w", "Ready.")
        assert result.returncode == 0, result.stderr
    return system_voice


def heard(recorder: Recorder, since: float, until: float | None = None) -> str:
    return transcribe(recorder.audio(since, until))


def test_the_first_message_starts_the_daemon_through_activation(system_voice: SystemVoice,
                                                               recorder: Recorder) -> None:
    assert system_voice.owner_pid() is None
    start = time.monotonic()
    result = system_voice.spd_say("-o", "readaloud", "-w", FIRST)
    assert result.returncode == 0, result.stderr
    assert system_voice.owner_pid() is not None
    assert (system_voice.services.root / "daemon.log").exists()  # started by the bus, not spawned
    recorder.wait_for_sound(start, timeout=5)
    assert word_error_rate(FIRST, heard(recorder, start)) <= 0.25


def test_voices_are_listed_with_their_languages(warm: SystemVoice) -> None:
    result = warm.spd_say("-o", "readaloud", "-L", timeout=60)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line.strip()]
    assert len(rows) == 54
    assert rows[0] == ["af_heart", "en-US", "female"]  # the configured default first
    assert ["ff_siwis", "fr-FR", "female"] in rows
    assert ["bm_george", "en-GB", "male"] in rows
    assert {language for _, language, _ in rows} == {
        "en-US", "en-GB", "es-ES", "fr-FR", "hi-IN", "it-IT", "ja-JP", "pt-BR", "zh-CN"}


@pytest.mark.parametrize("how", ["-S", "-C"])
def test_stop_and_cancel_silence_the_sink_within_half_a_second(warm: SystemVoice, recorder: Recorder,
                                                               how: str) -> None:
    start = time.monotonic()
    speaking = subprocess.Popen(["spd-say", "-o", "readaloud", "-w", LONG], env=warm.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = recorder.wait_for_sound(start, timeout=60)
        time.sleep(max(0.0, first + 1.0 - time.monotonic()))
        asked = time.monotonic()
        assert warm.spd_say(how, timeout=30).returncode == 0
        silent = recorder.wait_for_silence(asked)
        assert silent - asked < 0.5, f"still sounding {silent - asked:.2f} s after spd-say {how}"
        speaking.wait(30)
        time.sleep(1.0)
        assert recorder.rms(silent + 0.2, time.monotonic()) == 0.0  # and it stays silent
    finally:
        if speaking.poll() is None:
            speaking.kill()


def test_python_client_gets_marks_and_end_and_resumes_from_the_last_mark(warm: SystemVoice,
                                                                        recorder: Recorder) -> None:
    start = time.monotonic()
    result = subprocess.run([SYSTEM_PYTHON, str(CLIENT), "readaloud"], env=warm.env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [event["event"] for event in events]
    marks = [event["mark"] for event in events if event["event"] == "index_marks"]
    assert kinds[0] == "begin" and kinds[-1] == "end", kinds
    assert kinds.index("paused") < kinds.index("resumed")
    assert marks[0] == "s1"
    assert [mark for mark in marks if mark != "s1"] == ["s2", "s3", "s4"]  # each later mark once, in order
    times = {event["event"]: event["t"] for event in events}
    # Paused a second into the second sentence: the sink falls silent, and after RESUME the second
    # sentence is read again from its start (the last mark), never the first one.
    silent = recorder.wait_for_silence(times["paused"], hold=0.5)
    assert silent - times["paused"] < 0.5
    before = heard(recorder, start, times["paused"])
    after = heard(recorder, times["resumed"])
    assert words(before)[0] == "amber" and "harbor" in words(before), before
    assert "amber" not in words(after) and "harbor" not in words(after), after
    assert "fisherman" in words(after)[:3], after  # the second sentence again, from its start
    assert word_error_rate(" ".join(("A fisherman counted his nets twice before dawn.",
                                     "Seagulls argued loudly over a crust of bread.",
                                     "Then the tide turned and the boats went out.")), after) <= 0.25


def test_a_message_cuts_in_and_readalouds_own_queue_is_read_afterwards(warm: SystemVoice,
                                                                      recorder: Recorder) -> None:
    bus = Bus(warm.env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        bus.watch(f"type='signal',sender='{BUS_NAME}',interface='io.github.readaloud.ReadAloud1'")
        start = time.monotonic()
        first = "Our own reading begins with this sentence. It goes on with a second one."
        queued = "Last of all come the purple elephants."
        assert readaloud(warm.services, "say", first).returncode == 0
        assert readaloud(warm.services, "say", "--queue", queued).returncode == 0
        recorder.wait_for_sound(start, timeout=60)
        message = "A message from Speech Dispatcher."
        assert warm.spd_say("-o", "readaloud", "-w", message).returncode == 0
        finished = []
        deadline = time.monotonic() + 120
        while len(finished) < 3 and time.monotonic() < deadline:
            bus.pump(0.2)
            finished = [body for _, member, body in bus.signals if member == "JobFinished"]
        assert [reason for _, reason in finished] == ["done", "done", "done"], finished
        jobs = [job for job, _ in finished]
        assert jobs[0] > jobs[1] and jobs[1] < jobs[2]  # the message first, then ours in order
        said = words(heard(recorder, start))
        assert "message" in said and "elephants" in said, said
        assert said.index("message") < said.index("elephants"), said
    finally:
        bus.close()


def test_other_modules_keep_working_and_readaloud_can_be_the_default(warm: SystemVoice,
                                                                    recorder: Recorder) -> None:
    start = time.monotonic()
    result = warm.spd_say("-o", "espeak-ng", "-w", "Espeak still speaks here.", timeout=60)
    assert result.returncode == 0, result.stderr
    recorder.wait_for_sound(start, timeout=10)
    assert "espeak-ng" in warm.spd_say("-O", timeout=30).stdout.split()

    assert readaloud(warm.services, "install-speechd", "--default").returncode == 0
    _stop(warm.speechd)
    warm.speechd = _start_speechd(warm.services)
    start = time.monotonic()
    sentence = "Seven orange lanterns hung above the narrow street."  # every voice: WER 0
    assert warm.spd_say("-w", sentence).returncode == 0  # no -o: the default module
    assert word_error_rate(sentence, heard(recorder, start)) <= 0.25
    modules = warm.spd_say("-O", timeout=30).stdout.split()
    assert "readaloud" in modules and "espeak-ng" in modules
    start = time.monotonic()
    assert warm.spd_say("-o", "espeak-ng", "-w", "And espeak too.", timeout=60).returncode == 0
    recorder.wait_for_sound(start, timeout=10)


def test_spiel_client_gets_intelligible_audio_with_events(warm: SystemVoice) -> None:
    from dbus_fast import Message, MessageType
    from dbus_fast.aio import MessageBus

    sentence = "Copper bells rang twice across the frozen valley."
    ssml = f'<speak>{sentence} <mark name="after"/>Then silence.</speak>'

    async def synthesize(text: str, is_ssml: bool) -> bytes:
        address = warm.env["DBUS_SESSION_BUS_ADDRESS"]
        bus = await MessageBus(bus_address=address, negotiate_unix_fd=True).connect()
        try:
            read_end, write_end = os.pipe()
            reply = await bus.call(Message(
                destination=SPIEL_BUS_NAME, path=SPIEL_PATH, interface=SPIEL_INTERFACE, member="Synthesize",
                signature="hssddbs", body=[0, text, "bf_emma", 1.0, 1.0, is_ssml, ""],  # fd index 0
                unix_fds=[write_end],
            ))
            os.close(write_end)
            assert reply.message_type == MessageType.METHOD_RETURN, reply.body
            loop = asyncio.get_running_loop()
            with os.fdopen(read_end, "rb") as pipe:
                return await loop.run_in_executor(None, pipe.read)
        finally:
            bus.disconnect()

    async def voices() -> list[object]:
        bus = await MessageBus(bus_address=warm.env["DBUS_SESSION_BUS_ADDRESS"]).connect()
        try:
            reply = await bus.call(Message(
                destination=SPIEL_BUS_NAME, path=SPIEL_PATH, interface="org.freedesktop.DBus.Properties",
                member="Get", signature="ss", body=[SPIEL_INTERFACE, "Voices"],
            ))
            return list(reply.body[0].value)
        finally:
            bus.disconnect()

    listed = asyncio.run(voices())
    assert len(listed) == 54
    assert ["Emma (UK, female)", "bf_emma", "audio/x-spiel,format=S16LE,channels=1,rate=24000", 10,
            ["en-gb", "en"]] in [list(voice) for voice in listed]  # type: ignore[arg-type]

    items = read_stream(asyncio.run(synthesize(ssml, True)))
    events = [value for kind, value in items if kind == "event"]
    assert [(event[0], event[3]) for event in events] == [  # type: ignore[index]
        (EventType.SENTENCE, ""), (EventType.MARK, "after"), (EventType.SENTENCE, "")]
    first = events[0]
    assert ssml[first[1] : first[2]] == sentence  # type: ignore[index]
    pcm = b"".join(value for kind, value in items if kind == "audio")  # type: ignore[misc]
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    assert word_error_rate(sentence + " Then silence.", transcribe(audio)) <= 0.25
