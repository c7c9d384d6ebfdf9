"""The English stage of normalization: numbers, dates, units, URLs, identifiers, abbreviations.

:func:`readaloud.text.english.words.convert` runs one :class:`~readaloud.text.english.words.WordScanner`
over a text; the rules it tries are registered in ``word_rules`` and ``number_rules`` (through
``rules.rule``), with the spoken forms they need in ``numbers``, ``tokens`` and ``tables``. Add an
English rule there; a stage every language needs belongs one level up, in ``readaloud.text``.
``dictionaries`` holds misaki's English pronouncing dictionaries (``data/``), which the word list here
and the G2P in :mod:`readaloud.speech.english` both read.
"""
