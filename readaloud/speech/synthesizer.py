"""Text to Kokoro speech: normalize -> sentences -> G2P -> chunks (<= 510 tokens) -> engine."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from readaloud.core import check_speed
from readaloud.errors import ModelMissingError, UsageError
from readaloud.speech.engine import SAMPLE_RATE, Engine
from readaloud.speech.g2p import G2PRegistry
from readaloud.speech.phonemes import phoneme_words, token_ids
from readaloud.speech.schedule import SynthesisCost, plan_chunks
from readaloud.speech.trim import trim_silence
from readaloud.speech.types import Phonemized, Sentence
from readaloud.speech.voices import VoiceStore, style_for, voice_info
from readaloud.text.blocks import split_blocks
from readaloud.text.lexicon import Lexicon
from readaloud.text.normalize import normalize
from readaloud.text.options import NormalizeOptions
from readaloud.text.segment import split_sentences

if TYPE_CHECKING:
    from readaloud.config import Config
    from readaloud.speech.assets import AssetStore
    from readaloud.speech.assets.meter import DownloadObserver

log = logging.getLogger(__name__)

MAX_SENTENCE_CHARS = 400


@dataclass(frozen=True)
class TextOptions:
    """How text is prepared before G2P."""

    normalize: NormalizeOptions
    lexicon: Lexicon | None = None


class KokoroSynthesizer:
    """The ``Synthesizer`` port on a real Kokoro engine."""

    def __init__(
        self,
        engine: Engine,
        voices: VoiceStore,
        *,
        text_options: TextOptions | None = None,
        g2p: G2PRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.voices = voices
        self.sample_rate = engine.sample_rate
        self._text_options = text_options or TextOptions(NormalizeOptions())
        self._g2p = g2p or G2PRegistry()
        self._lock = threading.Lock()

    def set_text_options(self, options: TextOptions) -> None:
        """Swap normalization options and pronunciations (config reload) without a restart."""
        self._text_options = options

    def sentences(self, text: str, voice: str | None = None) -> list[Sentence]:
        return [sentence for block in self.prepare(text, voice) for sentence in block]

    def prepare(self, text: str, voice: str | None = None) -> Iterator[list[Sentence]]:
        """The sentences of ``text``, a block of text at a time, normalized as they are asked for."""
        options = self._text_options
        language = "en-us" if voice is None else voice_info(voice).language
        lexicon = options.lexicon
        if lexicon is not None:
            lexicon.reload_if_changed()
        normalize_options = options.normalize
        if normalize_options.language != language:
            normalize_options = replace(normalize_options, language=language)
        index = 0
        for block_start, block_end in split_blocks(text):
            normalized = normalize(text[block_start:block_end], normalize_options, lexicon)
            block = []
            # Run-on text is cut at clauses so sentence events and "back" stay useful.
            for start, end in split_sentences(normalized.text, max_chars=MAX_SENTENCE_CHARS):
                spoken = normalized.text[start:end].strip()
                if not spoken:
                    continue
                original_start, original_end = normalized.original_span(start, end)
                block.append(
                    Sentence(index, spoken, block_start + original_start, block_start + original_end)
                )
                index += 1
            yield block

    def phonemize(self, sentence: Sentence, voice: str) -> Phonemized:
        phonemes = self._g2p.for_voice(voice).phonemize(sentence.text)
        return Phonemized(sentence, phoneme_words(phonemes))

    def synthesize_words(self, words: Phonemized, start: int, end: int, voice: str,
                         speed: float) -> np.ndarray:
        ids = token_ids(" ".join(word.phonemes for word in words.words[start:end]))
        if not ids:
            return np.zeros(0, dtype=np.float32)
        style = style_for(self.voices.get(voice), len(ids))
        # One model, one caller at a time: onnxruntime sessions are thread-safe but running
        # two syntheses at once on two cores only makes both late.
        with self._lock:
            return self.engine.synthesize(ids, style, speed)

    def whole_sentence_spans(self, words: Phonemized) -> list[tuple[int, int]]:
        """Word spans of the fewest calls that fit Kokoro's context, cut at the best places."""
        # With nothing to keep ahead of, a plan cuts only where the context ends.
        ends = plan_chunks(words.words, math.inf, SynthesisCost()).ends
        return list(zip((0, *ends[:-1]), ends, strict=True))

    def synthesize(self, sentence: Sentence, voice: str, speed: float) -> Iterator[np.ndarray]:
        words = self.phonemize(sentence, voice)
        for start, end in self.whole_sentence_spans(words):
            yield self.synthesize_words(words, start, end, voice, speed)

    def cancel(self) -> None:
        """Abort the chunk being synthesized now (stop/skip must not wait for it); returns at once."""
        self.engine.cancel()

    def synthesize_text(
        self,
        text: str,
        voice: str,
        speed: float,
        *,
        sentence_pause: float = 0.25,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """The whole text as one array, sentences separated by ``sentence_pause / speed`` seconds."""
        voice_info(voice)
        check_speed(speed)
        sentences = self.sentences(text, voice)
        if not sentences:
            raise UsageError("nothing to read: the text has no speakable words")
        gap = np.zeros(int(self.sample_rate * sentence_pause / speed), dtype=np.float32)
        parts: list[np.ndarray] = []
        for sentence in sentences:
            if parts:
                parts.append(gap)
            # Kokoro pads every chunk with silence; trimmed, pauses are the ones configured.
            parts.extend(
                trim_silence(audio, self.sample_rate) for audio in self.synthesize(sentence, voice, speed)
            )
            if progress is not None:
                progress(sentence.index + 1, len(sentences))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def create_engine(choice: str, store: AssetStore, *, threads: int = 0) -> Engine:
    """``onnx``, ``torch``, or ``auto``: torch on a CUDA machine with torch weights and the ``kokoro``
    package, else onnx."""
    if choice == "torch":
        weights = store.torch_weights()
        if weights is None:
            raise ModelMissingError(
                "the torch engine needs kokoro-v1_0.pth; run 'readaloud setup --engine torch' "
                'or set [speech] engine = "onnx"'
            )
        from readaloud.speech.torch_engine import TorchEngine

        return TorchEngine(weights)
    if choice == "auto":
        weights = store.torch_weights(fetch=False)
        # kokoro does not install on Python 3.13+, where readaloud[torch] brings torch alone.
        if weights is not None and not _kokoro_installed():
            log.info("torch weights present but the kokoro package is not installed: using onnxruntime")
        elif weights is not None and _cuda_available():
            from readaloud.speech.torch_engine import TorchEngine

            return TorchEngine(weights, device="cuda")
    from readaloud.speech.onnx_engine import OnnxEngine

    return OnnxEngine(store.onnx_model(), threads=threads)


def _kokoro_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("kokoro") is not None


def _cuda_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def text_options_from_config(config: Config) -> TextOptions:
    text = config.text
    lexicon_file = Path(text.lexicon_file).expanduser() if text.lexicon_file else None
    return TextOptions(
        NormalizeOptions(urls=text.urls, code_blocks=text.code_blocks, emoji=text.emoji),
        Lexicon.from_config(dict(config.pronunciations), lexicon_file),
    )


def build_synthesizer(
    config: Config, *, engine: str | None = None, observer: DownloadObserver | None = None
) -> KokoroSynthesizer:
    """Everything from config: assets (fetched on first use, told to ``observer``), engine, voices,
    text options."""
    from readaloud.speech.assets import AssetStore

    store = AssetStore.from_config(config.speech, observer=observer)
    kokoro = create_engine(engine or config.speech.engine, store, threads=config.speech.threads)
    return KokoroSynthesizer(kokoro, VoiceStore(store.voice), text_options=text_options_from_config(config))


__all__ = [
    "SAMPLE_RATE",
    "KokoroSynthesizer",
    "TextOptions",
    "build_synthesizer",
    "create_engine",
]
