"""A tiny Prometheus text-format registry: counters, gauges and one latency histogram."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Family:
    """One metric read at scrape time (e.g. from the sender's stats): kind, help, series."""

    kind: str  # "counter" or "gauge"
    help: str
    series: list[tuple[dict[str, str], float]] = field(default_factory=list)


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self.help: dict[str, str] = {}
        self.gauges: dict[str, Callable[[], float]] = {}
        self.bucket_counts = [0] * len(LATENCY_BUCKETS)
        self.latency_sum = 0.0
        self.latency_count = 0

    def inc(self, name: str, amount: float = 1.0, help: str = "", **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self.counters[name][key] = self.counters[name].get(key, 0.0) + amount
            if help:
                self.help[name] = help

    def gauge(self, name: str, read: Callable[[], float], help: str = "") -> None:
        self.gauges[name] = read
        if help:
            self.help[name] = help

    def observe_latency(self, seconds: float) -> None:
        with self._lock:
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self.bucket_counts[i] += 1
            self.latency_sum += seconds
            self.latency_count += 1

    def render(self, extra: dict[str, Family] | None = None) -> str:
        """Every family with ``# HELP`` and ``# TYPE``; ``extra`` adds families read now."""
        families: dict[str, Family] = {}
        with self._lock:
            for name, counted in self.counters.items():
                families[name] = Family("counter", self.help.get(name, name),
                                        [(dict(labels), value) for labels, value in sorted(counted.items())])
            for name, read in self.gauges.items():
                families[name] = Family("gauge", self.help.get(name, name), [({}, read())])
            families.update(extra or {})
            lines: list[str] = []
            for name, family in sorted(families.items()):
                lines.append(f"# HELP {name} {family.help}")
                lines.append(f"# TYPE {name} {family.kind}")
                for labels, value in family.series:
                    label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                    shown = number(value)
                    lines.append(f"{name}{{{label_text}}} {shown}" if label_text else f"{name} {shown}")
            lines.append("# HELP buurtwacht_handler_seconds Time to handle one update")
            lines.append("# TYPE buurtwacht_handler_seconds histogram")
            for bound, count in zip(LATENCY_BUCKETS, self.bucket_counts, strict=True):
                lines.append(f'buurtwacht_handler_seconds_bucket{{le="{bound:g}"}} {count}')
            lines.append(f'buurtwacht_handler_seconds_bucket{{le="+Inf"}} {self.latency_count}')
            lines.append(f"buurtwacht_handler_seconds_sum {self.latency_sum:.6f}")
            lines.append(f"buurtwacht_handler_seconds_count {self.latency_count}")
        return "\n".join(lines) + "\n"


def number(value: float) -> str:
    """Exact in the text format: ``:g`` would round 1795550405 (a timestamp) to 1.79555e+09."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


REGISTRY = Registry()
