# ruff: noqa: F811  (pytest fixtures imported from daemon_fixtures share their parameters' names)
"""The done-when of following along: a D-Bus client of the real daemon sees ``WordStarted`` for the
words of a paragraph, in order, each when Whisper hears that word on the recorded sink."""

from __future__ import annotations

import difflib
import itertools
import statistics
import time

import numpy as np
import pytest

from readaloud.dbus.names import CURRENT_WORD_PROPERTY, INTERFACE, WORD_STARTED_SIGNAL
from tests.integration.daemon_fixtures import (  # noqa: F401  (fixtures)
    Bus,
    DaemonProcess,
    Recorder,
    Services,
    bus,
    daemon,
    recorder,
    services,
)
from tests.integration.test_captions_audio import PARAGRAPHS
from tests.speech_check import heard_words, words

pytestmark = [pytest.mark.model, pytest.mark.audio, pytest.mark.desktop]

RATE = 24_000
# Three paragraphs (108 words): the same text the captions are checked on, so the live signals and
# the written captions answer to the same words.
PARAGRAPH = PARAGRAPHS


def _timeline(recorder: Recorder, since: float) -> tuple[np.ndarray, float]:
    """The audio recorded since ``since`` and the monotonic time its first sample was played."""
    with recorder.lock:
        chunks = [(t, samples) for t, samples in recorder.chunks if t >= since]
    total, offset = 0, float("inf")
    for arrived, samples in chunks:
        total += len(samples)
        # A chunk arrives no earlier than its last sample played: the smallest estimate is the best.
        offset = min(offset, arrived - total / RATE)
    return np.concatenate([samples for _, samples in chunks]), offset


def test_word_started_signals_follow_the_words_heard_at_the_sink(
    daemon: DaemonProcess, bus: Bus, recorder: Recorder
) -> None:
    bus.watch(f"type='signal',interface='{INTERFACE}'")
    since = time.monotonic()
    reply = bus.call("Say", "sa{sv}", [PARAGRAPH, {}])
    assert reply.error_name is None, reply.body
    job = reply.body[0]
    bus.wait_signal("JobFinished", lambda body: body[0] == job, timeout=300, since=since)
    bus.pump(0.5)
    audio, first_sample_at = _timeline(recorder, since)
    signals = [(t, body) for t, member, body in bus.signals
               if t >= since and member == WORD_STARTED_SIGNAL and body[0] == job]
    spans = [(body[2], body[3]) for _, body in signals]
    repeated = [PARAGRAPH[start:end] for (start, end), after in itertools.pairwise(spans)
                if after <= (start, end)]
    assert not repeated, f"out of order or repeated: {repeated}"
    events = [(word, t) for t, (start, end) in zip([t for t, _ in signals], spans, strict=True)
              for word in words(PARAGRAPH[start:end])[:1]]
    heard = [(word, first_sample_at + start) for text, start, _ in heard_words(audio, RATE)
             for word in words(text)]
    expected = words(PARAGRAPH)
    matcher = difflib.SequenceMatcher(a=[w for w, _ in events], b=[w for w, _ in heard], autojunk=False)
    pairs = [(events[block.a + i][0], events[block.a + i][1] - heard[block.b + i][1])
             for block in matcher.get_matching_blocks() for i in range(block.size)]
    print(" ".join(f"{word}:{difference:+.2f}" for word, difference in pairs))
    differences = [difference for _, difference in pairs]
    within = [d for d in differences if abs(d) <= 0.15]
    print(f"{len(signals)} WordStarted for {len(expected)} words; {len(differences)} matched Whisper's; "
          f"{len(within)} within 0.15 s; median signed difference {statistics.median(differences):+.3f} s")
    assert len(signals) == len(expected), "one WordStarted per spoken word"
    # Against when each word is heard: Whisper's word, from its first audible sample
    # (tests.speech_check.heard_words). Whisper tiny misplaces a few word starts in any text by
    # 0.15-0.5 s (the same words, offline, in the written file), so the fraction is over 108 words.
    assert len(within) >= 0.9 * len(expected), "WordStarted within 0.15 s of the word heard"
    assert abs(statistics.median(differences)) <= 0.05, "a latency left out moves every word"
    reply = bus.call("Get", "ss", [INTERFACE, CURRENT_WORD_PROPERTY],
                     interface="org.freedesktop.DBus.Properties")
    assert list(reply.body[0].value) == [0, 0, -1, -1]  # nothing is being heard now
