"""The in-memory cache of synthesized sentences: what "back" and re-reading play from."""

import numpy as np

from readaloud.playback.cache import SentenceCache


def audio(seconds: float) -> np.ndarray:
    return np.ones(int(seconds * 100), dtype=np.float32)


def test_a_sentence_is_found_again_only_with_the_same_voice_and_speed() -> None:
    cache = SentenceCache(60.0, 100)
    cache.put("Hello there.", "af_heart", 1.0, (audio(1.0),))
    assert cache.get("Hello there.", "af_heart", 1.0) is not None
    assert cache.get("Hello there.", "bf_emma", 1.0) is None
    assert cache.get("Hello there.", "af_heart", 1.25) is None


def test_the_least_recently_heard_sentences_go_first_when_full() -> None:
    cache = SentenceCache(3.0, 100)
    for name in "abc":
        cache.put(name, "af_heart", 1.0, (audio(1.0),))
    cache.get("a", "af_heart", 1.0)  # heard again: now the most recent
    cache.put("d", "af_heart", 1.0, (audio(1.0),))
    assert [name for name in "abcd" if cache.get(name, "af_heart", 1.0) is not None] == ["a", "c", "d"]
    assert cache.frames == 300


def test_a_sentence_longer_than_the_whole_cache_is_not_kept() -> None:
    cache = SentenceCache(1.0, 100)
    cache.put("long", "af_heart", 1.0, (audio(2.0),))
    assert cache.get("long", "af_heart", 1.0) is None and cache.frames == 0
