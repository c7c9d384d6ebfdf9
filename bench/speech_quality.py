"""Speech quality of the real model by G2P path: Whisper word error rate on the speech tests' texts.

    .venv/bin/python bench/speech_quality.py [--sets prose,sentences,british,tricky,heldout]

Speaks each text set with the int8 Kokoro-82M through the whole frontend (normalize, G2P, chunks),
transcribes it with the offline Whisper model and prints a Markdown table: WER against the written
text (and, for the normalization sets, the share of expected words heard, as
tests/integration/test_normalize_speech.py counts it). Run it before and after a G2P change, e.g. with
``PYTHONPATH`` pointing at another checkout, to compare the two. Synthesis and Whisper are
deterministic on the CPU, so equal phonemes give equal numbers.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # tests.*; appended so PYTHONPATH picks the readaloud under test

from tests.integration.test_normalize_speech import HELD_OUT, TUNED, _canonical, _recall  # noqa: E402
from tests.integration.test_speech_model import SENTENCES  # noqa: E402
from tests.speech_check import transcribe, word_error_rate  # noqa: E402

PROSE = (ROOT / "tests" / "data" / "heldout_prose.txt").read_text()

# name -> (voice, sentences, joiner, show recall)
SETS: dict[str, tuple[str, list[str], str, bool]] = {
    "prose": ("af_heart", [PROSE], " ", False),
    "sentences": ("af_heart", SENTENCES, " ", False),
    "british": ("bf_emma", [SENTENCES[1]], " ", False),
    "tricky": ("af_heart", TUNED, "\n\n", True),
    "heldout": ("af_heart", HELD_OUT, "\n\n", True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    args = parser.parse_args()

    from readaloud.speech.assets import AssetStore
    from readaloud.speech.g2p import G2PRegistry
    from readaloud.speech.onnx_engine import OnnxEngine
    from readaloud.speech.synthesizer import KokoroSynthesizer
    from readaloud.speech.voices import VoiceStore

    store = AssetStore()
    registry = G2PRegistry()
    synthesizer = KokoroSynthesizer(OnnxEngine(store.onnx_model()), VoiceStore(store.voice), g2p=registry)
    rows = []
    for name in args.sets.split(","):
        voice, sentences, joiner, show_recall = SETS[name]
        text = joiner.join(sentences)
        started = time.perf_counter()
        heard = transcribe(synthesizer.synthesize_text(text, voice, 1.0))
        seconds = time.perf_counter() - started
        # Normalized on both sides, as the normalization speech test compares them ("9:30" = "nine thirty").
        expected = [word for sentence in sentences for word in _canonical(sentence)]
        wer = word_error_rate(" ".join(expected), " ".join(_canonical(heard)))
        recall = f"{_recall(expected, _canonical(heard)):.1%}" if show_recall else ""
        rows.append((name, voice, len(expected), f"{wer:.3f}", recall, f"{seconds:.0f}"))
        print(f"{name}: heard {heard!r}", file=sys.stderr)

    g2p = registry.for_voice("af_heart").description
    print(f"\nG2P: {g2p}; Python {platform.python_version()}\n")
    print("| set | voice | words | WER | expected words heard | seconds |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


if __name__ == "__main__":
    main()
