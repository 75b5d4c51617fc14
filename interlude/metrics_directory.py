"""Chooses where this process's Prometheus samples go, before anything imports
`prometheus_client` (which picks multiprocess mode once, at import).

`PROMETHEUS_MULTIPROC_DIR` wins if set; otherwise `INTERLUDE_METRICS_DIR`, otherwise
`<INTERLUDE_DATA_DIR>/metrics`. Every `interlude` process on a host that uses the same
directory is summed by `/metrics` of any of them.
"""

from __future__ import annotations

import os
from pathlib import Path


def choose(environ: dict[str, str] | os._Environ[str]) -> None:
    if environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    data_dir = environ.get("INTERLUDE_DATA_DIR", "").strip() or "var"
    chosen = environ.get("INTERLUDE_METRICS_DIR", "").strip() or str(Path(data_dir) / "metrics")
    try:
        Path(chosen).mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # settings validation reports an unusable data directory by name
    environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(chosen).resolve())


choose(os.environ)
