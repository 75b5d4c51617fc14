"""Cross-language test vectors (tests/vectors/*.json): loading a file, replaying the
randomness it recorded, and checking that a file is exactly what its generator writes."""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import crypto

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors"


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VECTORS_DIR / name).read_text("utf-8"))
    return loaded


def replay(chunks: list[str]) -> Callable[[int], bytes]:
    """A random source that hands out the recorded chunks, in order, checking each size."""
    queue = [crypto.b64decode(chunk) for chunk in chunks]

    def rng(size: int) -> bytes:
        chunk = queue.pop(0)
        assert len(chunk) == size
        return chunk

    return rng


def identities(recorded: dict[str, Any]) -> dict[str, crypto.Identity]:
    """The identities a vectors file lists by name ({name: {"user_id", "rng"}})."""
    return {
        name: crypto.generate_identity(uuid.UUID(v["user_id"]), replay(v["rng"]))
        for name, v in recorded.items()
    }


def matches_its_generator(name: str, generator: str) -> bool:
    """Whether tests/vectors/<name> is what tests/vectors/<generator> renders today."""
    spec = importlib.util.spec_from_file_location(Path(generator).stem, VECTORS_DIR / generator)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rendered: str = module.render()
    return rendered == (VECTORS_DIR / name).read_text("utf-8")
