"""A tiny Prometheus text-format registry: counters, gauges and one latency histogram."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
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

    def render(self, extra: dict[str, float] | None = None) -> str:
        lines: list[str] = []
        with self._lock:
            for name, series in sorted(self.counters.items()):
                lines.append(f"# HELP {name} {self.help.get(name, name)}")
                lines.append(f"# TYPE {name} counter")
                for labels, value in sorted(series.items()):
                    label_text = ",".join(f'{k}="{v}"' for k, v in labels)
                    lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")
            for name, read in sorted(self.gauges.items()):
                lines.append(f"# HELP {name} {self.help.get(name, name)}")
                lines.append(f"# TYPE {name} gauge")
                lines.append(f"{name} {read():g}")
            for name, value in sorted((extra or {}).items()):
                lines.append(f"# TYPE {name} gauge")
                lines.append(f"{name} {value:g}")
            lines.append("# HELP buurtwacht_handler_seconds Time to handle one update")
            lines.append("# TYPE buurtwacht_handler_seconds histogram")
            for bound, count in zip(LATENCY_BUCKETS, self.bucket_counts, strict=True):
                lines.append(f'buurtwacht_handler_seconds_bucket{{le="{bound:g}"}} {count}')
            lines.append(f'buurtwacht_handler_seconds_bucket{{le="+Inf"}} {self.latency_count}')
            lines.append(f"buurtwacht_handler_seconds_sum {self.latency_sum:.6f}")
            lines.append(f"buurtwacht_handler_seconds_count {self.latency_count}")
        return "\n".join(lines) + "\n"


REGISTRY = Registry()
