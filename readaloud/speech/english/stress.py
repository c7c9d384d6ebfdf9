"""Kokoro's English phoneme inventory and stress marks, and how stress is moved or removed."""

from __future__ import annotations

STRESSES = "ˌˈ"
PRIMARY_STRESS = STRESSES[1]
SECONDARY_STRESS = STRESSES[0]
VOWELS = frozenset("AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ")
CONSONANTS = frozenset("bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ")
DIPHTHONGS = frozenset("AIOQWYʤʧ")
# Vowels after which an American "t" is flapped ("get" -> "getting" [ɡˈɛɾɪŋ]).
US_TAUS = frozenset("AIOWYiuæɑəɛɪɹʊʌ")
US_VOCAB = frozenset("AIOWYbdfhijklmnpstuvwzæðŋɑɔəɛɜɡɪɹɾʃʊʌʒʤʧˈˌθᵊᵻʔ")
GB_VOCAB = frozenset("AIQWYabdfhijklmnpstuvwzðŋɑɒɔəɛɜɡɪɹʃʊʌʒʤʧˈˌːθᵊ")


def stress_weight(phonemes: str | None) -> int:
    """Length of ``phonemes`` with diphthongs and affricates counted twice."""
    return sum(2 if c in DIPHTHONGS else 1 for c in phonemes) if phonemes else 0


def _restress(phonemes: str) -> str:
    """Move each stress mark to just before the vowel that follows it."""
    next_vowel = {
        i: next(j for j in range(i, len(phonemes)) if phonemes[j] in VOWELS)
        for i, c in enumerate(phonemes)
        if c in STRESSES
    }
    positions = [(next_vowel[i] - 0.5 if i in next_vowel else float(i), c) for i, c in enumerate(phonemes)]
    return "".join(c for _, c in sorted(positions))


def apply_stress(phonemes: str, stress: float | None) -> str:
    """Adjust the stress of a word's phonemes.

    ``stress`` below -1 removes all stress, -1 (or 0 and -0.5 on a stressed word) demotes primary to
    secondary, 0 to 1 add secondary stress to an unstressed word, 1 and above promote secondary to
    primary, and above 1 add primary stress to an unstressed word.
    """
    if stress is None:
        return phonemes
    if stress < -1:
        return phonemes.replace(PRIMARY_STRESS, "").replace(SECONDARY_STRESS, "")
    if stress == -1 or (stress in (0, -0.5) and PRIMARY_STRESS in phonemes):
        return phonemes.replace(SECONDARY_STRESS, "").replace(PRIMARY_STRESS, SECONDARY_STRESS)
    if stress in (0, 0.5, 1) and all(s not in phonemes for s in STRESSES):
        if all(v not in phonemes for v in VOWELS):
            return phonemes
        return _restress(SECONDARY_STRESS + phonemes)
    if stress >= 1 and PRIMARY_STRESS not in phonemes and SECONDARY_STRESS in phonemes:
        return phonemes.replace(SECONDARY_STRESS, PRIMARY_STRESS)
    if stress > 1 and all(s not in phonemes for s in STRESSES):
        if all(v not in phonemes for v in VOWELS):
            return phonemes
        return _restress(PRIMARY_STRESS + phonemes)
    return phonemes
