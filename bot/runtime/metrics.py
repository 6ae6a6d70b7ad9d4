"""Prometheus metrics with prometheus_client.

Process-wide instruments live in :data:`REGISTRY` (updates, sightings, handler latency, and the
client's process/platform/GC figures). The figures of the two send paths (the outbox sender
and the direct replies) and the outbox depth are read at scrape time by :class:`SendPathsCollector`,
built for each scrape by bot.runtime.health (the depth needs a database query). The client
does the text format, label escaping and content negotiation (OpenMetrics when asked for).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from bot.delivery.sender import SenderStats

disable_created_metrics()  # no *_created series next to every counter: nobody here reads them

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

UPDATES = Counter("buurtwacht_updates", "Updates handled", registry=REGISTRY)
SIGHTINGS = Counter("buurtwacht_sightings", "Sightings reported", ["category"], registry=REGISTRY)
HANDLER_SECONDS = Histogram("buurtwacht_handler_seconds", "Time to handle one update",
                            buckets=LATENCY_BUCKETS, registry=REGISTRY)

PATH_HELP = "path: outbox = queued alerts/routing, interactive = direct replies"


class SendPathsCollector(Collector):
    """The send paths' figures (:class:`SenderStats`), the outbox depth and the last send, as
    they are at this scrape."""

    def __init__(self, paths: Mapping[str, SenderStats], outbox_depth: float,
                 last_send: dt.datetime | None) -> None:
        self.paths = dict(sorted(paths.items()))
        self.outbox_depth = outbox_depth
        self.last_send = last_send

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily("buurtwacht_outbox_depth", "Messages waiting in the outbox (-1: database unreachable)",
                                value=self.outbox_depth)
        yield GaugeMetricFamily("buurtwacht_last_successful_send_timestamp_seconds",
                                "Unix time of the last successful delivery on either path (0: none yet)",
                                value=self.last_send.timestamp() if self.last_send else 0.0)
        counters: tuple[tuple[str, str, Callable[[SenderStats], int]], ...] = (
            ("buurtwacht_deliveries_sent", f"Messages sent or edited in a chat ({PATH_HELP})", lambda s: s.sent),
            ("buurtwacht_deliveries_failed", "Deliveries given up: refused (403/400) or out of retries",
             lambda s: s.failed),
            ("buurtwacht_deliveries_retried", "Delivery attempts repeated after a 429, 5xx, timeout or network error",
             lambda s: s.retried),
            ("buurtwacht_telegram_429", "429 Too Many Requests answers from Telegram", lambda s: s.rate_limited),
        )
        for name, help_text, read in counters:
            family = CounterMetricFamily(name, help_text, labels=["path"])
            for path, stats in self.paths.items():
                family.add_metric([path], read(stats))
            yield family
        by_method = CounterMetricFamily("buurtwacht_deliveries_by_method",
                                        "Messages delivered, per Bot API method (sendMessage, editMessageText, ...)",
                                        labels=["path", "method"])
        for path, stats in self.paths.items():
            for method, count in sorted(stats.per_method.items()):
                by_method.add_metric([path, method], count)
        yield by_method
        latency = HistogramMetricFamily("buurtwacht_send_seconds",
                                        f"Time of one Bot API request that delivers a message ({PATH_HELP})",
                                        labels=["path"])
        for path, stats in self.paths.items():
            cumulative, buckets = 0, []
            for bound, count in zip(stats.latency_bounds, stats.latency_counts, strict=True):
                cumulative += count
                buckets.append((floatToGoString(bound), cumulative))
            buckets.append(("+Inf", stats.latency_count))
            latency.add_metric([path], buckets, stats.latency_sum)
        yield latency


class _Scrape(Collector):
    def __init__(self, *collectors: CollectorRegistry | Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterable[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(send_paths: SendPathsCollector, accept: str | None = None) -> tuple[bytes, str]:
    """(body, content type) of one scrape: the process-wide registry plus ``send_paths``, in the
    format the ``Accept`` header asks for (Prometheus text 0.0.4 by default)."""
    encoder: Callable[..., Any]
    encoder, content_type = choose_encoder(accept or "")
    return encoder(_Scrape(REGISTRY, send_paths)), content_type
