"""``python -m indicatorml`` — the same command line as ``indicatorml``."""

import sys

from .cli import main

sys.exit(main())
