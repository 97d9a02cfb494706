"""Python code run in a fresh interpreter (this checkout first on the path), and the JSON object
its last output line prints: how the tests see what a first call does, without this process's
loaded modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_json(code: str, *, timeout: float = 300, **env: str) -> dict[str, Any]:
    """The JSON object printed last by ``code`` run as ``python -c`` from the checkout, with
    ``env`` added to this process's environment (``NUMERICS_KERNELS`` only as ``env`` sets it)."""
    full = {k: v for k, v in os.environ.items() if k != "NUMERICS_KERNELS"}
    full.update(PYTHONPATH=str(ROOT), **env)
    proc = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                          timeout=timeout, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
