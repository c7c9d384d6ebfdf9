"""Speech Dispatcher settings mapped onto readaloud; spoken characters and keys; the voice list."""

import math
import subprocess
import sys

import pytest

from readaloud.speech.catalogue import VOICES
from readaloud.speechd.settings import MessageSettings, choose_voice, language_matches, voice_list
from readaloud.speechd.spoken import spoken_char, spoken_icon, spoken_key


@pytest.mark.parametrize(("rate", "speed"), [(-100, 0.5), (-50, 2 ** -0.5), (0, 1.0), (100, 2.0), (250, 2.0)])
def test_rate_becomes_speed(rate, speed):
    assert math.isclose(MessageSettings().updated({"rate": str(rate)}).speed, speed)


@pytest.mark.parametrize(("volume", "gain"), [(-100, 0.0), (0, 0.5), (100, 1.0), (-300, 0.0)])
def test_volume_becomes_gain(volume, gain):
    assert math.isclose(MessageSettings().updated({"volume": str(volume)}).gain, gain)


def test_null_strings_and_unknown_names():
    settings = MessageSettings().updated({"language": "de", "synthesis_voice": "af_sky", "bogus": "1"})
    settings = settings.updated({"synthesis_voice": "NULL", "voice": "female2"})
    assert settings.language == "de"
    assert settings.synthesis_voice is None
    assert settings.voice_type == "female2"
    with pytest.raises(ValueError):
        settings.updated({"pitch": "high"})


def test_language_matching():
    heart, emma, xiaobei = VOICES["af_heart"], VOICES["bf_emma"], VOICES["zf_xiaobei"]
    assert language_matches("en", heart) and language_matches("en", emma)
    assert language_matches("en-US", heart) and not language_matches("en-US", emma)
    assert language_matches("en_gb", emma)
    assert language_matches("zh", xiaobei) and language_matches("cmn", xiaobei)
    assert not language_matches("de", heart)


def test_choose_voice():
    pick = MessageSettings().updated
    assert choose_voice(pick({"synthesis_voice": "jf_alpha"}), "af_heart") == "jf_alpha"
    assert choose_voice(pick({"language": "en"}), "af_heart") is None
    assert choose_voice(pick({"language": "it", "voice": "male1"}), "af_heart") == "im_nicola"
    assert choose_voice(pick({"language": "it", "voice": "child_female"}), "af_heart") == "if_sara"
    assert choose_voice(pick({"language": "pt-BR"}), None) == "pf_dora"
    assert choose_voice(MessageSettings(), "af_heart") is None


def test_voice_list_has_every_voice_with_its_language_default_first():
    rows = voice_list("bm_george")
    assert rows[0] == ("bm_george", "en-GB", "male")
    assert len(rows) == len(VOICES) == 54
    languages = {name[0]: language for name, language, _ in rows}
    assert languages == {"a": "en-US", "b": "en-GB", "e": "es-ES", "f": "fr-FR", "h": "hi-IN", "i": "it-IT",
                         "j": "ja-JP", "p": "pt-BR", "z": "zh-CN"}
    assert voice_list(None)[0][0] == "af_alloy"


@pytest.mark.parametrize(("char", "said"), [
    (" ", "space"), ("a", "a."), ("Z", "z."), (",", "comma"), (".", "dot"), ("7", "7"),
    ("é", "e. with acute"), ("€", "euro"), ("→", "rightwards arrow"),
])
def test_characters(char, said):
    assert spoken_char(char) == said


def test_capitals_when_asked():
    assert spoken_char("A", capitals=True) == "capital a."
    assert spoken_char("a", capitals=True) == "a."
    settings = MessageSettings().updated({"cap_let_recogn": "spell"})
    assert settings.capitals_spoken


@pytest.mark.parametrize(("key", "said"), [
    ("a", "a."), ("shift_a", "shift a."), ("control_alt_delete", "control alt delete"),
    ("kp-enter", "keypad enter"), ("shift_kp-enter", "shift keypad enter"), ("kp-*", "keypad star"),
    ("f12", "F 12"), ("double-quote", "double quote"), ("prior", "page up"), ("underscore", "underscore"),
    ("$", "dollar"), ("scroll-lock", "scroll lock"), ("some-new-key", "some new key"),
])
def test_keys(key, said):
    assert spoken_key(key) == said


def test_sound_icons_are_read_by_name():
    assert spoken_icon("new-mail_arrived") == "new mail arrived"


def test_module_imports_nothing_heavy():
    code = (
        "import sys, readaloud.speechd.module, readaloud.speechd.link;"
        "heavy = {'numpy', 'onnxruntime', 'torch', 'sounddevice'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
