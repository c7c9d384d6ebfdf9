"""The reading bar's pipe protocol and what the bar shows for a sentence and a word (no Qt)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readaloud.desktop.overlay import protocol
from readaloud.desktop.overlay.markup import (
    ELLIPSIS,
    HIGHLIGHT_BACKGROUND,
    Shown,
    excerpt,
    highlight_html,
)
from readaloud.desktop.overlay.protocol import (
    BarState,
    Clicked,
    Command,
    Quit,
    Ready,
    SetState,
    ShowSentence,
    ShowWord,
    decode,
    encode,
)
from readaloud.errors import BarProtocolError

MESSAGES = [
    ShowSentence("Dr. Smith paid $5 — \"fine\"\nthanks.", 3, 1),
    ShowWord(4, 9),
    SetState(BarState.SPEAKING),
    SetState(BarState.PAUSED),
    SetState(BarState.IDLE),
    Quit(),
    Ready(),
    Clicked(Command.TOGGLE_PAUSE),
    Clicked(Command.SKIP),
    Clicked(Command.STOP),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_survives_one_line(message: protocol.Message) -> None:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line) == message


def test_the_wire_format_is_the_documented_one() -> None:
    assert json.loads(encode(ShowSentence("Hi.", 3, 1))) == {"sentence": "Hi.", "job": 3, "index": 1}
    assert json.loads(encode(ShowWord(4, 12))) == {"word": [4, 12]}
    assert json.loads(encode(SetState(BarState.PAUSED))) == {"state": "paused"}
    assert json.loads(encode(Quit())) == {"quit": True}
    assert json.loads(encode(Clicked(Command.SKIP))) == {"command": "skip"}
    assert decode(b'{"command": "toggle_pause"}') == Clicked(Command.TOGGLE_PAUSE)


@given(st.text())
def test_any_sentence_text_is_carried_exactly(text: str) -> None:
    line = encode(ShowSentence(text, 0, 0))
    assert line.count(b"\n") == 1  # a newline in the text must not split the message
    assert decode(line) == ShowSentence(text, 0, 0)


@pytest.mark.parametrize("line", [
    b"not json",
    b"[1, 2]",
    b'{"word": [5, 2]}',
    b'{"word": [-1, 2]}',
    b'{"word": [1]}',
    b'{"word": [true, 2]}',
    b'{"sentence": 5, "job": 1, "index": 0}',
    b'{"sentence": "x", "index": 0}',
    b'{"state": "loading"}',
    b'{"command": "reboot"}',
    b'{"quit": false}',
    b'{"hello": 1}',
    b'\xff\xfe',
])
def test_lines_that_are_not_messages_are_refused(line: bytes) -> None:
    with pytest.raises(BarProtocolError):
        decode(line)


def test_a_short_sentence_is_shown_whole_with_the_word_highlighted() -> None:
    text = "The quick brown fox & the <dog>."
    shown = excerpt(text, (10, 15))
    assert shown == Shown(text, (10, 15))
    rich = highlight_html(shown)
    assert f'background-color:{HIGHLIGHT_BACKGROUND}' in rich
    assert ">brown</span>" in rich
    assert "&amp; the &lt;dog&gt;." in rich  # text, never markup


def test_line_breaks_inside_a_sentence_keep_the_offsets() -> None:
    shown = excerpt("one\ntwo three", (4, 7))
    assert shown.text == "one two three" and shown.text[4:7] == "two"


def test_a_word_outside_the_sentence_highlights_nothing() -> None:
    assert excerpt("short", (10, 12)).word is None
    assert excerpt("short", (3, 3)).word is None
    assert "<span" not in highlight_html(excerpt("short", None))


def test_a_long_sentence_shows_an_excerpt_around_the_word() -> None:
    words = [f"word{n}" for n in range(200)]
    text = " ".join(words)
    start = text.index("word150")
    shown = excerpt(text, (start, start + len("word150")), limit=100)
    assert len(shown.text) <= 100 + 2 * len(ELLIPSIS)
    assert shown.text.startswith(ELLIPSIS) and shown.text.endswith(ELLIPSIS)
    assert shown.word is not None
    assert shown.text[shown.word[0]:shown.word[1]] == "word150"
    # Cut between words, never inside one.
    assert all(piece in words for piece in shown.text.strip(ELLIPSIS).split())


def test_a_long_sentence_starts_at_its_beginning_before_the_first_word() -> None:
    text = " ".join(f"w{n}" for n in range(200))
    shown = excerpt(text, None, limit=60)
    assert shown.text.startswith("w0 w1") and shown.text.endswith(ELLIPSIS)


@given(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=12), min_size=1, max_size=80),
       st.data(), st.integers(min_value=20, max_value=120))
def test_the_excerpt_always_holds_the_word_being_heard(words: list[str], data: st.DataObject,
                                                       limit: int) -> None:
    text = " ".join(words)
    chosen = data.draw(st.integers(min_value=0, max_value=len(words) - 1))
    start = sum(len(w) + 1 for w in words[:chosen])
    end = start + len(words[chosen])
    shown = excerpt(text, (start, end), limit)
    assert shown.word is not None
    assert shown.text[shown.word[0]:shown.word[1]] == words[chosen]
    assert len(shown.text) <= max(limit, len(words[chosen]) + limit // 3) + 2 * len(ELLIPSIS)
