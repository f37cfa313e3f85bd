"""``python -m hotspots.cli``: the same command as ``hotspots``."""

import sys

from hotspots.cli import main

sys.exit(main())
