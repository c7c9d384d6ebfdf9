"""Kokoro's phoneme vocabulary, and sentences' phonemes as words that can be cut between."""

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from readaloud.speech.engine import MAX_PHONEME_TOKENS
from readaloud.speech.phonemes import count_tokens, phoneme_words, token_ids, vocab
from readaloud.speech.schedule import SynthesisCost, plan_chunks
from readaloud.speech.types import Break

SENTENCE = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, ænd ðˈɛn ɪt ɹˈʌnz fˈɑɹ əwˈA."


def test_vocabulary_is_kokoro_v1():
    table = vocab()
    assert len(table) == 114  # distinct symbols with ids; Kokoro's n_token is 178 ids wide
    assert max(table.values()) < 178
    assert table[" "] == 16 and table["ˈ"] == 156


def test_token_ids_drop_unknown_symbols():
    assert token_ids("a☃b") == (vocab()["a"], vocab()["b"])


def test_words_carry_their_tokens_and_what_follows_them():
    words = phoneme_words(SENTENCE)
    assert [w.phonemes for w in words] == SENTENCE.split()
    # Each word's tokens include the space after it: together they are the sentence's tokens.
    assert sum(w.tokens for w in words) == count_tokens(SENTENCE) + 1
    assert [w.follows for w in words if w.follows is not Break.WORD] == [Break.CLAUSE, Break.SENTENCE]
    assert words[8].phonemes == "dˈɔɡ," and words[8].follows is Break.CLAUSE


def spans(text: str, limit: int) -> list[str]:
    words = phoneme_words(text, limit)
    ends = plan_chunks(words, math.inf, SynthesisCost(), max_tokens=limit).ends
    return [" ".join(w.phonemes for w in words[a:b]) for a, b in zip((0, *ends[:-1]), ends, strict=True)]


def test_a_short_sentence_is_one_call():
    assert spans(SENTENCE, MAX_PHONEME_TOKENS) == [SENTENCE]


def test_long_text_is_cut_at_sentence_ends_within_the_context():
    sentence = "ðɪs ɪz ə lˈɔŋ sˈɛntəns ðæt kˈipz ɡˈOɪŋ, ænd ɡˈOɪŋ."
    text = " ".join([sentence] * 40)
    chunks = spans(text, MAX_PHONEME_TOKENS)
    assert len(chunks) > 1
    assert all(count_tokens(chunk) <= MAX_PHONEME_TOKENS for chunk in chunks)
    assert all(chunk.endswith(".") for chunk in chunks[:-1])
    assert " ".join(chunks) == text


words_strategy = st.lists(
    st.text(alphabet="abdefhiklmnoprstuvwzæðŋɑɔəɛɪʊʌˈˌ,.", min_size=1, max_size=25), min_size=1, max_size=300
)


@settings(max_examples=300, deadline=None)
@example(words=["a", ".", "aaaaaaa", "a" * 23], limit=30)  # a cut that must cut again
@example(words=["a" * 40], limit=30)  # one "word" longer than the context
@given(words=words_strategy, limit=st.integers(min_value=30, max_value=510))
def test_calls_keep_every_word_whole_and_in_order_within_the_context(words, limit):
    text = " ".join(words)
    chunks = spans(text, limit)
    assert all(count_tokens(chunk) <= limit for chunk in chunks)
    assert "".join(" ".join(chunks).split()) == "".join(text.split())
