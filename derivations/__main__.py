"""``python -m derivations`` = ``variational-verify`` (see :mod:`derivations.cli`)."""

from __future__ import annotations

import sys

from derivations.cli import main

if __name__ == "__main__":
    sys.exit(main())
