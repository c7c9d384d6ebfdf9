"""Text frontend: normalization for speech (with a map back to the original), sentences, pronunciations.

Pure functions, no I/O (except the optional pronunciation file the :class:`Lexicon` reads):
:func:`readaloud.text.normalize.normalize` (options in :mod:`readaloud.text.options`),
:func:`readaloud.text.segment.split_sentences`, :class:`readaloud.text.lexicon.Lexicon`. The stages
every language goes through live here; the English-only stage lives in :mod:`readaloud.text.english`.
"""
