"""Where sentences are cut for synthesis (plan_chunks) and the running cost estimate behind it."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readaloud.speech.schedule import (
    LATER_START_SECONDS,
    MID_SENTENCE_WAIT_WEIGHT,
    MIN_CHUNK_WORDS,
    SynthesisCost,
    joining_pays,
    plan_chunks,
)
from readaloud.speech.types import Break, PhonemeWord


def words(count: int, *, clause_after: tuple[int, ...] = (), tokens: int = 4) -> list[PhonemeWord]:
    """``count`` words; a comma after the (1-based) positions in ``clause_after``; a full stop last."""
    result = []
    for index in range(1, count + 1):
        follows = Break.SENTENCE if index == count else Break.CLAUSE if index in clause_after else Break.WORD
        result.append(PhonemeWord(f"w{index}", tokens, follows))
    return result


def cost(fixed: float = 0.3, rate: float = 0.5) -> SynthesisCost:
    return SynthesisCost(fixed=fixed, rate=rate, audio_per_token=0.075)  # 0.3 s per 4-token word


def test_with_audio_to_spare_a_sentence_is_read_whole() -> None:
    assert plan_chunks(words(20), 30.0, cost()).ends == (20,)


def test_with_nothing_buffered_the_first_chunk_is_short_and_the_rest_follows_in_time() -> None:
    plan = plan_chunks(words(20), 0.0, cost())
    assert len(plan.ends) >= 2
    assert MIN_CHUNK_WORDS <= plan.ends[0] <= 6
    first = cost().seconds(plan.ends[0] * 0.3)
    assert plan.wait == pytest.approx(first + cost().margin(first), rel=0.2)


def test_a_cut_falls_at_a_comma_rather_than_between_the_words_of_a_phrase() -> None:
    plan = plan_chunks(words(20, clause_after=(5,)), 0.0, cost())
    assert plan.ends[0] == 5


def test_a_slow_machine_waits_longer_rather_than_cutting_a_short_sentence() -> None:
    plan = plan_chunks(words(5), 0.0, cost(fixed=0.5, rate=0.9))
    assert plan.ends == (5,)


def test_inside_a_sentence_that_is_playing_more_cuts_beat_any_wait() -> None:
    # Between sentences a short wait is cheaper than two more cuts; once the sentence is heard, a
    # wait is a stutter, so the same words are cut finer and need none.
    slow = cost(fixed=0.45, rate=0.7)
    between = plan_chunks(words(14), 1.8, slow)
    playing = plan_chunks(words(14), 1.8, slow, wait_weight=MID_SENTENCE_WAIT_WEIGHT)
    assert between.wait > 0.2
    assert playing.wait == 0.0
    assert len(playing.ends) > len(between.ends)


def test_a_sentence_starts_later_to_leave_the_next_one_time_but_only_so_much_later() -> None:
    slow = cost(fixed=0.45, rate=0.9)
    alone = plan_chunks(words(12), 1.0, slow)
    # The next sentence needs this one made 1.2 s before its audio ends ...
    some = plan_chunks(words(12), 1.0, slow, then=1.2)
    # ... or far earlier than can be: the start moves by LATER_START_SECONDS at most.
    much = plan_chunks(words(12), 1.0, slow, then=30.0)
    assert alone.wait < some.wait < alone.wait + LATER_START_SECONDS
    assert len(some.ends) < len(alone.ends)  # fewer calls: less fixed cost before the next one
    assert much.wait == pytest.approx(alone.wait + LATER_START_SECONDS, abs=0.01)
    assert plan_chunks(words(12), 1.0, slow, then=-5.0) == alone


def test_a_busier_machine_needs_more_audio_buffered_before_it_can_start() -> None:
    idle = plan_chunks(words(20), 0.0, cost(0.3, 0.5))
    busy = plan_chunks(words(20), 0.0, cost(0.45, 0.9))
    assert busy.wait > idle.wait


def test_words_read_from_the_same_text_are_never_cut_apart() -> None:
    # "... for two dollars a cup": "two dollars" was read from "$2", one word on the screen and in
    # the signals; a busy machine that cuts short chunks must still keep it in one call.
    sentence = [PhonemeWord(f"w{index}", 4, Break.WORD, (index * 10, index * 10 + 5)) for index in range(20)]
    sentence[5] = PhonemeWord("tˈu", 4, Break.WORD, (50, 52))
    sentence[6] = PhonemeWord("dˈɑləɹz", 4, Break.WORD, (50, 52))
    sentence[-1] = PhonemeWord("w19.", 4, Break.SENTENCE, (190, 195))
    for fixed, rate in ((0.2, 0.3), (0.3, 0.5), (0.45, 0.9), (0.9, 1.2)):
        for buffered in (0.0, 0.5, 1.0, 2.0, 3.0):
            plan = plan_chunks(sentence, buffered, cost(fixed, rate))
            assert 6 not in plan.ends, (fixed, rate, buffered, plan.ends)


def test_chunks_never_exceed_the_models_context() -> None:
    plan = plan_chunks(words(300, tokens=5), math.inf, cost())
    starts = (0, *plan.ends[:-1])
    assert all((end - start) * 5 <= 510 for start, end in zip(starts, plan.ends, strict=True))
    assert len(plan.ends) == 3  # 1500 tokens: as few cuts as the context allows


@settings(deadline=None)
@given(
    count=st.integers(min_value=1, max_value=60),
    buffered=st.floats(min_value=0.0, max_value=20.0),
    fixed=st.floats(min_value=0.01, max_value=1.0),
    rate=st.floats(min_value=0.05, max_value=2.0),
    clauses=st.sets(st.integers(min_value=1, max_value=59), max_size=6),
    tokens=st.integers(min_value=1, max_value=200),
)
def test_every_plan_covers_the_sentence_in_order_within_the_limits(
    count: int, buffered: float, fixed: float, rate: float, clauses: set[int], tokens: int
) -> None:
    plan = plan_chunks(words(count, clause_after=tuple(clauses), tokens=tokens), buffered,
                       cost(fixed, rate))
    assert plan.ends[-1] == count
    assert list(plan.ends) == sorted(set(plan.ends))
    starts = (0, *plan.ends[:-1])
    for start, end in zip(starts, plan.ends, strict=True):
        assert (end - start) * tokens <= 510 or end - start == 1
        assert end - start >= MIN_CHUNK_WORDS or end == count or (end - start + 1) * tokens > 510
    assert plan.wait >= 0.0


def test_the_estimate_learns_fixed_cost_and_rate_from_chunks_of_different_lengths() -> None:
    estimate = SynthesisCost()
    rng = random.Random(1)
    for _ in range(20):
        audio = rng.uniform(0.5, 6.0)
        estimate.observe(round(audio / 0.075), 1.0, audio, (0.2 + 0.4 * audio) * rng.uniform(0.97, 1.03))
    assert estimate.fixed == pytest.approx(0.2, abs=0.08)
    assert estimate.rate == pytest.approx(0.4, rel=0.1)
    assert estimate.audio_seconds(40) == pytest.approx(3.0, rel=0.05)


def test_the_estimate_follows_a_machine_that_suddenly_gets_busy() -> None:
    estimate = SynthesisCost(fixed=0.2, rate=0.4)
    for audio in (1.0, 3.0, 2.0, 4.0):
        estimate.observe(round(audio / 0.075), 1.0, audio, 0.2 + 0.4 * audio)
    estimate.observe(27, 1.0, 2.0, 2.0 * (0.2 + 0.4 * 2.0))  # one chunk took twice as long
    # After one slow chunk it already expects most of the slowdown (it errs on the safe side)...
    assert estimate.seconds(2.0) > 1.6 * (0.2 + 0.4 * 2.0)
    for audio in (1.0, 3.0, 2.0):
        estimate.observe(round(audio / 0.075), 1.0, audio, 2.0 * (0.2 + 0.4 * audio))
    # ... and after a few more it has it.
    assert estimate.seconds(2.0) == pytest.approx(2.0 * (0.2 + 0.4 * 2.0), rel=0.1)


def test_noisy_timings_widen_the_safety_margin() -> None:
    steady, noisy = SynthesisCost(), SynthesisCost()
    rng = random.Random(2)
    for _ in range(12):
        audio = rng.uniform(1.0, 4.0)
        steady.observe(40, 1.0, audio, 0.3 + 0.5 * audio)
        noisy.observe(40, 1.0, audio, (0.3 + 0.5 * audio) * rng.choice((0.6, 1.5)))
    assert noisy.margin(1.0) > 1.5 * steady.margin(1.0)


BUSY = SynthesisCost(fixed=0.85, rate=0.8)  # the 2-core machine with one core taken (daemon log)
IDLE = SynthesisCost(fixed=0.3, rate=0.5)


def test_two_one_word_sentences_are_worth_one_call_on_a_busy_machine_only() -> None:
    # "Stop." then "Listen.": 0.4 s of audio each, after nothing buffered.
    alone = BUSY.seconds(0.4) + BUSY.margin(BUSY.seconds(0.4))
    assert joining_pays(0.4, 0.4, alone, 0.0, 0.25, BUSY)
    idle_alone = IDLE.seconds(0.4) + IDLE.margin(IDLE.seconds(0.4))
    assert not joining_pays(0.4, 0.4, idle_alone, 0.0, 0.25, IDLE)


def test_a_long_next_sentence_is_not_joined_nor_is_anything_when_audio_is_to_spare() -> None:
    # The long one would hold the short one back for all of its synthesis.
    assert not joining_pays(0.4, 5.0, 2.5, 0.0, 0.25, BUSY)
    # Enough buffered that neither would wait: nothing to gain for a later start.
    alone = BUSY.seconds(0.4) + BUSY.margin(BUSY.seconds(0.4))
    assert not joining_pays(0.4, 0.4, alone, 4.0, 0.25, BUSY)
