"""The daemon's warm-up: besides loading the model into memory, it measures what synthesis costs
on this machine, so the first request is cut for this machine's speed and not for a guess."""

from __future__ import annotations

import pytest

from readaloud.daemon import warm_up
from readaloud.speech.schedule import SynthesisCost
from tests.fakes import FakeSynthesizer


def test_the_warm_up_teaches_the_scheduler_what_a_call_costs_here() -> None:
    # A machine much faster than the scheduler's prior guess: 0.1 s per call + 0.2 s per audio second.
    synth = FakeSynthesizer(word_seconds=0.3, fixed_delay=0.1, delay=0.2)
    cost = warm_up(synth, "af_heart", 1.0)
    assert len(synth.calls) == 2  # a short call and a long one: enough to tell fixed cost from rate
    for audio in (1.2, 4.0):
        assert cost.seconds(audio) == pytest.approx(0.1 + 0.2 * audio, rel=0.2)
        assert SynthesisCost().seconds(audio) > 1.5 * (0.1 + 0.2 * audio)  # what the guess said
