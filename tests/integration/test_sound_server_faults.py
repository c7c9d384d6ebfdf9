"""The sound server comes late, or goes away mid-speech: the real daemon heals and tells the truth.

Real processes throughout: ``readaloud daemon`` with the real model on a private bus, a real
PulseAudio whose null sink's monitor is recorded (so "heard" means heard), and the CLI as a user
runs it.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.support.services import (
    REPO,
    DaemonProcess,
    MissingToolError,
    Services,
    private_services,
    readaloud,
    recording,
    start_daemon,
    start_sound_server,
    stop_daemon,
)

pytestmark = [pytest.mark.model, pytest.mark.audio, pytest.mark.desktop]

LONG_TEXT = " ".join(
    f"This is sentence number {n} of a long text that keeps the reader busy for a while."
    for n in range(1, 13)
)


def status(services: Services) -> dict[str, object]:
    result = readaloud(services, "status", "--json")
    assert result.returncode == 0, result.stderr.decode()
    fields: dict[str, object] = json.loads(result.stdout)
    return fields


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def doctor_audio(services: Services) -> str:
    """``readaloud doctor``'s audio line."""
    result = readaloud(services, "doctor", timeout=180)
    found = re.search(r"^(ok|warn|fail)\s+audio\s.*$", result.stdout.decode(), re.MULTILINE)
    assert found, result.stdout.decode()
    return found.group(0)


def end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_daemon_started_before_the_sound_server_speaks_once_it_appears() -> None:
    try:
        context = private_services(sound_server=False)
        services = context.__enter__()
    except MissingToolError as error:
        pytest.fail(str(error))
    daemon: DaemonProcess | None = None
    pulse: subprocess.Popen[bytes] | None = None
    try:
        daemon = start_daemon(services)
        started = time.monotonic()
        assert status(services)["audio"] == "none"
        assert doctor_audio(services).startswith("fail")
        refused = readaloud(services, "say", "Nobody can hear this.")
        assert refused.returncode == 1
        assert "start a sound server" in refused.stderr.decode()

        time.sleep(max(0.0, 5.0 - (time.monotonic() - started)))
        pulse = start_sound_server(services)
        with recording(services) as recorder:
            asked = time.monotonic()
            said = readaloud(services, "say", "The sound server is here now.")
            assert said.returncode == 0, said.stderr.decode()
            recorder.wait_for_sound(asked, timeout=60)
        assert status(services)["audio"] == "ok"
        assert daemon.alive()
        assert doctor_audio(services).startswith("ok")
    finally:
        if daemon is not None:
            stop_daemon(daemon)
        if pulse is not None:
            end(pulse)
        context.__exit__(None, None, None)


def test_a_sound_server_lost_mid_speech_is_reported_and_speech_resumes_when_it_is_back() -> None:
    try:
        context = private_services(sound_server=False)
        services = context.__enter__()
    except MissingToolError as error:
        pytest.fail(str(error))
    daemon: DaemonProcess | None = None
    pulse = start_sound_server(services)
    waiting: subprocess.Popen[bytes] | None = None
    try:
        daemon = start_daemon(services)
        with recording(services) as recorder:
            asked = time.monotonic()
            waiting = subprocess.Popen([sys.executable, "-m", "readaloud", "say", "--wait", LONG_TEXT],
                                       env=services.env, cwd=REPO, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE)
            recorder.wait_for_sound(asked, timeout=60)
            assert status(services)["audio"] == "ok"
            pulse.send_signal(signal.SIGKILL)  # the sound server crashes mid-sentence
            pulse.wait()
        wait_until(lambda: status(services)["audio"] == "lost", 15, 'status audio "lost"')
        assert status(services)["state"] == "speaking"  # the job is kept, waiting for the sound
        _, stderr = waiting.communicate(timeout=30)
        assert waiting.returncode == 1
        lines = stderr.decode().strip().splitlines()
        assert len(lines) == 1 and "lost the sound server" in lines[0], stderr.decode()

        pulse = start_sound_server(services)
        with recording(services) as recorder:
            back = time.monotonic()
            wait_until(lambda: status(services)["audio"] == "ok", 30, 'status audio "ok" again')
            recorder.wait_for_sound(back, timeout=30)  # the same job goes on
        assert daemon.alive()
        log = daemon.log()
        assert "ALSA lib" not in log  # libasound's complaints are counted, not printed
    finally:
        if waiting is not None:
            end(waiting)
        if daemon is not None:
            stop_daemon(daemon)
        end(pulse)
        context.__exit__(None, None, None)
