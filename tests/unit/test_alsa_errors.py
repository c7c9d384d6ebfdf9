"""libasound's complaints are counted, not printed: the daemon log stays readable under load."""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from readaloud.playback import alsa_errors


def test_alsa_messages_are_counted_instead_of_printed(capfd: pytest.CaptureFixture[str]) -> None:
    name = ctypes.util.find_library("asound")
    if name is None:
        pytest.fail("libasound is not installed (apt install libasound2); PortAudio needs it here")
    assert alsa_errors.install()
    before = alsa_errors.counts()
    library = ctypes.CDLL(name)
    pcm = ctypes.c_void_p()
    # Opening a PCM that does not exist makes libasound report "Unknown PCM …" through its handler.
    assert library.snd_pcm_open(ctypes.byref(pcm), b"readaloud_no_such_pcm", 0, 0) < 0
    after = alsa_errors.counts()
    assert after.messages > before.messages
    assert after.underruns == before.underruns
    assert "ALSA lib" not in capfd.readouterr().err
    assert alsa_errors.install()  # once per process; asking again is harmless
