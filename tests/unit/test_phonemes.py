"""Chunking phonemes for Kokoro: within 510 tokens, never inside a word, short first clause."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from readaloud.speech.engine import MAX_PHONEME_TOKENS
from readaloud.speech.phonemes import count_tokens, split_phonemes, token_ids, vocab

SENTENCE = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˈOvəɹ ðə lˈAzi dˈɔɡ, ænd ðˈɛn ɪt ɹˈʌnz fˈɑɹ əwˈA."


def test_vocabulary_is_kokoro_v1():
    table = vocab()
    assert len(table) == 114  # distinct symbols with ids; Kokoro's n_token is 178 ids wide
    assert max(table.values()) < 178
    assert table[" "] == 16 and table["ˈ"] == 156


def test_token_ids_drop_unknown_symbols():
    assert token_ids("a☃b") == (vocab()["a"], vocab()["b"])


def test_short_sentence_is_one_chunk():
    assert split_phonemes(SENTENCE) == [SENTENCE]


def test_first_clause_ends_at_the_comma():
    chunks = split_phonemes(SENTENCE, first_clause=True)
    assert chunks[0].endswith("dˈɔɡ,")
    assert " ".join(chunks) == SENTENCE


def test_first_clause_without_punctuation_is_a_handful_of_words():
    words = ["wˈʌn"] * 30
    chunks = split_phonemes(" ".join(words), first_clause=True)
    assert 3 <= len(chunks[0].split()) <= 10
    assert " ".join(chunks).split() == words


def test_short_sentence_is_not_cut_for_first_clause():
    assert split_phonemes("hˈɛlO wˈɜɹld.", first_clause=True) == ["hˈɛlO wˈɜɹld."]


def test_long_text_splits_at_sentence_ends_within_limit():
    sentence = "ðɪs ɪz ə lˈɔŋ sˈɛntəns ðæt kˈipz ɡˈOɪŋ, ænd ɡˈOɪŋ."
    text = " ".join([sentence] * 40)
    chunks = split_phonemes(text)
    assert len(chunks) > 1
    assert all(count_tokens(chunk) <= MAX_PHONEME_TOKENS for chunk in chunks)
    assert all(chunk.endswith(".") for chunk in chunks[:-1])
    assert " ".join(chunks) == text


words_strategy = st.lists(
    st.text(alphabet="abdefhiklmnoprstuvwzæðŋɑɔəɛɪʊʌˈˌ,.", min_size=1, max_size=25), min_size=1, max_size=300
)


@settings(max_examples=500, deadline=None)
@example(words=["a", ".", "aaaaaaa", "a" * 23], first_clause=False, limit=30)  # a cut that must cut again
@given(words=words_strategy, first_clause=st.booleans(), limit=st.integers(min_value=30, max_value=510))
def test_chunks_keep_every_word_whole_and_in_order(words, first_clause, limit):
    text = " ".join(words)
    chunks = split_phonemes(text, limit, first_clause=first_clause)
    assert all(count_tokens(chunk) <= limit for chunk in chunks)
    assert " ".join(chunks).split() == text.split()
