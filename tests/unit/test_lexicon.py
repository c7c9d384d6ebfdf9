"""The user's pronunciation dictionary: whole words, case rules, phonemes, file reload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from readaloud.errors import ConfigError
from readaloud.text.lexicon import Lexicon
from readaloud.text.normalize import normalize


def spoken(text: str, lexicon: Lexicon) -> str:
    return normalize(text, lexicon=lexicon).text


def test_respelling_replaces_whole_words_only() -> None:
    lexicon = Lexicon.from_config({"cat": "kitty"})
    assert spoken("The cat sat.", lexicon) == "The kitty sat."
    assert spoken("Concatenate the catalog.", lexicon) == "Concatenate the catalog."


def test_lower_case_key_matches_any_capitalisation() -> None:
    lexicon = Lexicon.from_config({"nginx": "engine x"})
    assert spoken("Nginx and NGINX and nginx.", lexicon) == "engine x and engine x and engine x."


def test_capitalised_key_matches_only_that_spelling() -> None:
    lexicon = Lexicon.from_config({"Bill": "William"})
    assert spoken("Bill paid the bill.", lexicon) == "William paid the bill."


def test_exact_key_wins_over_folded_key() -> None:
    lexicon = Lexicon.from_config({"us": "uss", "US": "you ess"})
    assert spoken("The US and us.", lexicon) == "The you ess and uss."


def test_phonemes_become_misaki_override_syntax() -> None:
    lexicon = Lexicon.from_config({"Kokoro": "/kəkˈɔɹO/"})
    assert spoken("Kokoro speaks.", lexicon) == "[Kokoro](/kəkˈɔɹO/) speaks."


def test_respelling_is_not_rewritten_by_later_rules() -> None:
    lexicon = Lexicon.from_config({"kokoro": "koh-KOH-roh"})
    assert spoken("kokoro", lexicon) == "koh-KOH-roh"


def test_keys_with_symbols_match_as_words() -> None:
    lexicon = Lexicon.from_config({"C++": "see plus plus"})
    assert spoken("I write C++ daily.", lexicon) == "I write see plus plus daily."


def test_unknown_phoneme_symbols_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Kokoro does not know"):
        Lexicon.from_config({"word": "/w$rd/"})


def test_offsets_of_a_replacement_cover_the_original_word() -> None:
    lexicon = Lexicon.from_config({"Kokoro": "/kəkˈɔɹO/"})
    result = normalize("Say Kokoro now", lexicon=lexicon)
    start = result.text.index("[")
    end = result.text.index(")") + 1
    assert result.original_span(start, end) == (4, 10)


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_file_entries_load_and_reload_when_changed(tmp_path: Path) -> None:
    file = tmp_path / "words.toml"
    file.write_text('Kokoro = "koh koh row"\n', encoding="utf-8")
    lexicon = Lexicon.from_config({"nginx": "engine x"}, file)
    assert spoken("Kokoro nginx", lexicon) == "koh koh row engine x"
    assert lexicon.reload_if_changed() is False

    file.write_text('[pronunciations]\nKokoro = "/kəkˈɔɹO/"\n', encoding="utf-8")
    _touch_later(file)
    assert lexicon.reload_if_changed() is True
    assert spoken("Kokoro", lexicon) == "[Kokoro](/kəkˈɔɹO/)"


def test_file_that_becomes_invalid_keeps_previous_entries(tmp_path: Path) -> None:
    file = tmp_path / "words.toml"
    file.write_text('Kokoro = "koh koh row"\n', encoding="utf-8")
    lexicon = Lexicon.from_config({}, file)
    file.write_text("Kokoro = \n", encoding="utf-8")
    _touch_later(file)
    assert lexicon.reload_if_changed() is False
    assert spoken("Kokoro", lexicon) == "koh koh row"


def test_file_that_appears_later_is_picked_up(tmp_path: Path) -> None:
    file = tmp_path / "words.txt"
    lexicon = Lexicon.from_config({}, file)
    assert spoken("nginx", lexicon) == "nginx"
    file.write_text("# my words\nnginx = engine x\nkubectl\tcube control\n", encoding="utf-8")
    assert lexicon.reload_if_changed() is True
    assert spoken("nginx kubectl", lexicon) == "engine x cube control"


def test_unreadable_file_at_startup_is_a_config_error(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text("not = [valid", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Lexicon.from_config({}, file)


def test_lookup_follows_the_case_rules() -> None:
    lexicon = Lexicon.from_config({"nginx": "engine x", "Bill": "William"})
    assert lexicon.lookup("NGINX") == "engine x"
    assert lexicon.lookup("Bill") == "William"
    assert lexicon.lookup("bill") is None
    assert len(lexicon) == 2
