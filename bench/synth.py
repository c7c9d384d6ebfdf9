"""Synthesis benchmark: load time, warm real-time factor by engine and text length, the time one
call takes for the first four words of a sentence, and for the whole 40-word sentence, peak RSS.
Prints a Markdown table.

    .venv/bin/python bench/synth.py [--engines onnx,torch] [--repeat 3]

Each engine runs in its own subprocess so load time and peak RSS are its own. The torch engine runs
the real weights when `readaloud setup --engine torch` fetched them, otherwise a randomly initialised
KModel of the same architecture (same compute, so the same speed; the audio is noise).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLAUSE = "Press the key now."  # 4 words
SENTENCE = (
    "When the train finally pulled into the quiet mountain station, the travellers gathered their "
    "bags, thanked the conductor for his patience, and stepped out into the cold morning air that "
    "smelled of pine trees and fresh snow."
)  # 40 words
PARAGRAPH = " ".join([SENTENCE] * 3)


def _measure(engine_name: str, repeat: int) -> dict[str, float | str]:
    import numpy as np

    from readaloud.speech.assets import AssetStore
    from readaloud.speech.synthesizer import KokoroSynthesizer
    from readaloud.speech.voices import VoiceStore

    store = AssetStore()
    started = time.perf_counter()
    label = engine_name
    if engine_name == "onnx":
        from readaloud.speech.onnx_engine import OnnxEngine

        engine = OnnxEngine(store.onnx_model())
        label = f"onnx ({store.onnx_model().name})"
    else:
        from readaloud.speech.torch_engine import TorchEngine

        weights = store.torch_weights(fetch=False)
        if weights is None:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.support.random_kmodel import save_random_weights

            weights = save_random_weights(Path(tempfile.mkdtemp()) / "random.pth")
            label = "torch (random weights)"
        engine = TorchEngine(weights)  # type: ignore[assignment]
        label += f" on {engine.device}"
    load_seconds = time.perf_counter() - started
    synthesizer = KokoroSynthesizer(engine, VoiceStore(store.voice))
    synthesizer.synthesize_text("Warm up.", "af_heart", 1.0)

    def first_call_latency(text: str, words: int) -> float:
        timings = []
        for _ in range(repeat):
            (sentence,) = synthesizer.sentences(text, "af_heart")
            begin = time.perf_counter()
            phonemized = synthesizer.phonemize(sentence, "af_heart")
            synthesizer.synthesize_words(phonemized, 0, min(words, len(phonemized.words)), "af_heart", 1.0)
            timings.append(time.perf_counter() - begin)
        return statistics.median(timings)

    def rtf(text: str) -> tuple[float, float]:
        ratios, seconds = [], 0.0
        for _ in range(repeat):
            begin = time.perf_counter()
            audio = synthesizer.synthesize_text(text, "af_heart", 1.0)
            seconds = len(audio) / synthesizer.sample_rate
            ratios.append((time.perf_counter() - begin) / seconds)
        return statistics.median(ratios), seconds

    rtf_clause, audio_clause = rtf(CLAUSE)
    rtf_sentence, audio_sentence = rtf(SENTENCE)
    rtf_paragraph, audio_paragraph = rtf(PARAGRAPH)
    del np
    return {
        "engine": label,
        "load_s": load_seconds,
        "first_chunk_clause_s": first_call_latency(SENTENCE, 4),
        "first_chunk_sentence_s": first_call_latency(SENTENCE, 1000),
        "rtf_clause": rtf_clause,
        "rtf_sentence": rtf_sentence,
        "rtf_paragraph": rtf_paragraph,
        "audio_clause_s": audio_clause,
        "audio_sentence_s": audio_sentence,
        "audio_paragraph_s": audio_paragraph,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="onnx,torch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.repeat)))
        return 0
    rows = []
    for name in args.engines.split(","):
        result = subprocess.run(
            [sys.executable, __file__, "--child", name, "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            print(f"{name}: failed\n{result.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    cpu = platform.processor() or platform.machine()
    print(f"\nMachine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}\n")
    print(
        "| engine | load | one call, first 4 words | one call, 40-word sentence "
        "| RTF 4 words | RTF 40 words | RTF 120 words | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['engine']} | {r['load_s']:.2f} s | {r['first_chunk_clause_s']:.2f} s "
            f"| {r['first_chunk_sentence_s']:.2f} s | {r['rtf_clause']:.2f} | {r['rtf_sentence']:.2f} "
            f"| {r['rtf_paragraph']:.2f} | {r['peak_rss_mb']:.0f} MB |"
        )
    print("\nRTF = synthesis seconds per second of audio (lower is faster; < 1 is faster than real time).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
