"""Table-driven written → spoken corpus for text normalization (issue 6).

``tests/data/normalize/corpus.tsv`` is the corpus the rules were developed against: every case must
pass. ``heldout.tsv`` was written without looking at the output and is never used to tune rules: its
score is printed and must stay at or above ``HELD_OUT_MINIMUM``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from readaloud.text.normalize import normalize
from readaloud.text.options import NormalizeOptions

DATA = Path(__file__).resolve().parent.parent / "data" / "normalize"
HELD_OUT_MINIMUM = 0.8
_ESCAPE_RE = re.compile(r"\\(n|t|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|\\)")


@dataclass(frozen=True)
class Case:
    line: int
    written: str
    spoken: str
    options: NormalizeOptions

    def __str__(self) -> str:
        return f"line {self.line}: {self.written[:40]!r}"


def _unescape(field: str) -> str:
    def decode(m: re.Match[str]) -> str:
        code = m.group(1)
        if code == "n":
            return "\n"
        if code == "t":
            return "\t"
        if code == "\\":
            return "\\"
        return chr(int(code[1:], 16))

    return _ESCAPE_RE.sub(decode, field)


def load(name: str) -> list[Case]:
    cases = []
    for number, raw in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("# ") or raw == "#":
            continue
        fields = raw.split("\t")
        assert len(fields) in (2, 3), f"{name}:{number}: expected 2 or 3 tab-separated fields"
        options: dict[str, str] = {}
        if len(fields) == 3:
            options = dict(item.split("=", 1) for item in fields[2].split(","))
        cases.append(Case(number, _unescape(fields[0]), _unescape(fields[1]), NormalizeOptions(**options)))
    return cases


def spoken(case: Case) -> str:
    return normalize(case.written, case.options).text


CORPUS = load("corpus.tsv")
HELD_OUT = load("heldout.tsv")


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) + len(HELD_OUT) >= 200
    assert len(HELD_OUT) >= 50


@pytest.mark.parametrize("case", CORPUS, ids=str)
def test_corpus(case: Case) -> None:
    assert spoken(case) == case.spoken


def test_held_out_score(capsys: pytest.CaptureFixture[str]) -> None:
    failures = [(case, spoken(case)) for case in HELD_OUT if spoken(case) != case.spoken]
    score = 1 - len(failures) / len(HELD_OUT)
    with capsys.disabled():
        print(f"\nheld-out corpus: {len(HELD_OUT) - len(failures)}/{len(HELD_OUT)} = {score:.1%}")
        for case, got in failures:
            print(f"  {case}: expected {case.spoken!r}, got {got!r}")
    assert score >= HELD_OUT_MINIMUM
