"""Running a Node script of tests/js/ that reads JSON on stdin and answers JSON on stdout
(the Python<->JavaScript cross-checks)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.services import require_binary

ROOT = Path(__file__).resolve().parents[2]


def run_node_script(script: Path, mode: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`node script mode` with payload as JSON input; its JSON output. Skips locally, and
    fails in CI, when node is not installed."""
    result = subprocess.run(
        [require_binary("node"), str(script), mode],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output
