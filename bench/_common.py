"""Shared bits of the benchmark scripts: a null network, RSS, percentiles, result files."""

from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest, RequestData

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


class NullRequest(BaseRequest):
    """Answers every Bot API call at once with a plausible result; no network at all."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        self.calls += 1
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif endpoint.startswith(("send", "edit")):
            params = request_data.parameters if request_data else {}
            chat_id = int(params.get("chat_id", 1))
            result = {"message_id": next(self.ids), "date": 0,
                      "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


def rss_mb() -> float:
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lower = int(k)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (k - lower)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99),
        "mean": statistics.fmean(values) if values else float("nan"),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=float) + "\n", encoding="utf-8")
    return path


def machine_load() -> dict[str, float]:
    """The load average (as `uptime` shows it) next to a figure: this machine is shared."""
    one, five, fifteen = os.getloadavg()
    return {"load_1m": round(one, 2), "load_5m": round(five, 2), "load_15m": round(fifteen, 2)}


def load_text(load: dict[str, float]) -> str:
    return f"load {load['load_1m']:.2f}/{load['load_5m']:.2f}/{load['load_15m']:.2f}"


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)
