"""``python -m dwmtj``: the ``dwmtj`` command line."""

import sys

from dwmtj.cli import main

sys.exit(main())
