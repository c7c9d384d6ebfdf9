"""The voice catalogue: 54 Kokoro v1.0 voices with language, gender and readable names."""

import numpy as np
import pytest

from readaloud.errors import UnknownVoiceError
from readaloud.speech.voices import VOICES, load_voice_pack, style_for, voice_info


def test_catalogue_has_all_54_voices_in_nine_languages():
    assert len(VOICES) == 54
    assert {v.language for v in VOICES.values()} == {
        "en-us",
        "en-gb",
        "es",
        "fr-fr",
        "hi",
        "it",
        "ja",
        "pt-br",
        "cmn",
    }
    assert sum(v.is_english for v in VOICES.values()) == 28


def test_readable_names():
    assert VOICES["af_heart"].display_name == "Heart (US, female)"
    assert VOICES["bm_george"].display_name == "George (UK, male)"
    assert VOICES["zf_xiaobei"].language_name == "Mandarin Chinese"


def test_unknown_voice_suggests_the_closest():
    with pytest.raises(UnknownVoiceError, match="did you mean af_heart"):
        voice_info("af_hart")


def test_voice_pack_rows_are_chosen_by_token_count(tmp_path):
    pack = np.arange(510 * 256, dtype="<f4").reshape(510, 256)
    path = tmp_path / "xx.bin"
    pack.tofile(path)
    loaded = load_voice_pack(path)
    assert loaded.shape == (510, 256)
    assert np.array_equal(style_for(loaded, 1), pack[0:1])
    assert np.array_equal(style_for(loaded, 100), pack[99:100])
    assert np.array_equal(style_for(loaded, 900), pack[509:510])


def test_truncated_voice_pack_is_rejected(tmp_path):
    path = tmp_path / "bad.bin"
    np.zeros(100, dtype="<f4").tofile(path)
    with pytest.raises(ValueError, match="expected"):
        load_voice_pack(path)
