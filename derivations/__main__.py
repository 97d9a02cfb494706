"""``python -m derivations`` = ``variational-verify`` (see :mod:`derivations.runner.cli`)."""

from __future__ import annotations

import sys

from derivations.runner.cli import main

if __name__ == "__main__":
    sys.exit(main())
