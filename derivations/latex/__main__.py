"""``python -m derivations.latex FILE…``: the same as ``python -m derivations check FILE…``."""

import sys

from derivations.latex.cli import main

if __name__ == "__main__":
    sys.exit(main())
