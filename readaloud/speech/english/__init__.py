"""English grapheme-to-phoneme conversion for Kokoro: misaki 0.9.4's English G2P, carried in readaloud.

misaki (https://github.com/hexgrad/misaki, Apache-2.0, by hexgrad) is the G2P Kokoro-82M was trained
with. Every misaki release declares ``Requires-Python <3.13``, so depending on it would keep readaloud
off Python 3.13 and 3.14. This package is a port of its English part (``misaki/en.py``,
``misaki/token.py``), which runs on every Python that spaCy supports; its US and British dictionaries
(byte-identical to misaki 0.9.4's) are in :mod:`readaloud.text.english.dictionaries`, one layer down,
because the normalizer's word list reads them too. Changes from misaki (see
readaloud/text/english/data/NOTICE): typed, split into modules, the spaCy pipeline is passed in rather
than downloaded, addict replaced by a dataclass, a debug ``print`` turned into a log record without
text, and inputs on which misaki raised now return no phonemes (the espeak-ng fallback reads them). On
everything else the output is the same: ``tests/integration/test_english_g2p.py`` compares it with
misaki's own output, kept in ``tests/data/english_g2p_reference.tsv``.

Importing this package is cheap; :mod:`readaloud.speech.english.g2p` imports spaCy's helpers lazily.
"""
