"""The deployment's monitoring files name only metrics the code exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from messaging import metrics

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def exported() -> set[str]:
    names = {"interlude_jobs"}  # measured at scrape time
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            names.add(value._name)
    return names


def base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def test_every_metric_in_the_grafana_dashboard_is_exported() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/interlude-dashboard.json").read_text())
    used = {
        base(name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"interlude_\w+", target["expr"])
    }
    assert used
    assert used - {base(n) for n in exported()} == set()
    covered = {base(n) for n in exported()} - used
    assert covered == set(), f"exported but not on the dashboard: {covered}"
