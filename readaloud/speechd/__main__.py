"""``python -m readaloud.speechd``: the same as the ``sd_readaloud`` command."""

import sys

from readaloud.speechd.module import main

sys.exit(main(sys.argv[1:]))
