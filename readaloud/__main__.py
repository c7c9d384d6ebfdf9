import sys

from readaloud.cli import main

sys.exit(main())
