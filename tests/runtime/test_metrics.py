"""/metrics through prometheus_client: names kept, label values escaped, send latency measured,
the format the scraper asks for."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.delivery.sender import SenderStats
from bot.runtime.health import HealthServer
from bot.runtime.metrics import SendPathsCollector, exposition
from tests.conftest import BotHarness

# The names /metrics had before prometheus_client: dashboards and alerts use them.
STABLE_NAMES = {
    "buurtwacht_updates_total": "counter", "buurtwacht_sightings_total": "counter",
    "buurtwacht_deliveries_sent_total": "counter", "buurtwacht_deliveries_failed_total": "counter",
    "buurtwacht_deliveries_retried_total": "counter", "buurtwacht_telegram_429_total": "counter",
    "buurtwacht_outbox_depth": "gauge", "buurtwacht_last_successful_send_timestamp_seconds": "gauge",
    "buurtwacht_handler_seconds": "histogram",
}


def families(text: str) -> dict[str, str]:
    """name → type, as a Prometheus scraper reads them (counters under their *_total name)."""
    found = {}
    for family in text_string_to_metric_families(text):
        name = family.name + "_total" if family.type == "counter" else family.name
        found[name] = family.type
    return found


def test_names_and_types_stay_as_they_were() -> None:
    body, content_type = exposition(SendPathsCollector({"outbox": SenderStats()}, 0, None))
    assert content_type.startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert STABLE_NAMES.items() <= families(text).items()
    assert "buurtwacht_send_seconds" in families(text)
    for name, kind in STABLE_NAMES.items():
        assert f"# TYPE {name} {kind}" in text and f"# HELP {name} " in text


def test_label_values_are_escaped() -> None:
    """A quote, a backslash or a newline in a label value must not break the line or forge
    another series (the hand-written format wrote them as they came)."""
    hostile = 'x"} 1\nbuurtwacht_outbox_depth 999\n\\'
    body, _ = exposition(SendPathsCollector({hostile: SenderStats(sent=2)}, 3, None))
    text = body.decode()
    assert 'path="x\\"} 1\\nbuurtwacht_outbox_depth 999\\n\\\\"' in text
    assert "\nbuurtwacht_outbox_depth 999" not in text
    samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
    assert [s.value for s in samples if s.name == "buurtwacht_outbox_depth"] == [3]
    sent = [s for s in samples if s.name == "buurtwacht_deliveries_sent_total"]
    assert [(s.labels, s.value) for s in sent] == [({"path": hostile}, 2)]


def test_send_latency_histogram_is_cumulative() -> None:
    stats = SenderStats()
    for seconds in (0.01, 0.07, 0.07, 3.0, 45.0):
        stats.observe_send(seconds)
    body, _ = exposition(SendPathsCollector({"outbox": stats}, 0, None))
    buckets = {s.labels["le"]: s.value for f in text_string_to_metric_families(body.decode())
               for s in f.samples if s.name == "buurtwacht_send_seconds_bucket"}
    assert (buckets["0.025"], buckets["0.1"], buckets["2.5"], buckets["5.0"], buckets["30.0"], buckets["+Inf"]) == (
        1, 3, 3, 4, 4, 5)
    assert stats.latency_count == 5 and abs(stats.latency_sum - 48.15) < 1e-9


async def test_both_send_paths_measure_their_requests_and_openmetrics_on_request(harness: BotHarness) -> None:
    h = harness
    from tests.journeys import RESIDENT, report_until_confirm

    await report_until_confirm(h)
    await h.send(h.updates.callback(RESIDENT, "rep:confirm"))
    await h.deliver()
    interactive = h.services.interactive_stats
    assert h.services.sender is not None
    assert interactive.latency_count == interactive.sent >= 8  # every delivering request, once
    assert h.services.sender.stats.latency_count >= h.services.sender.stats.sent >= 1
    health = HealthServer(h.services)
    port = await health.start()
    try:
        async with httpx.AsyncClient() as client:
            plain = await client.get(f"http://127.0.0.1:{port}/metrics")
            open_metrics = await client.get(f"http://127.0.0.1:{port}/metrics",
                                            headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    finally:
        await health.stop()
    assert plain.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert f'buurtwacht_send_seconds_count{{path="interactive"}} {float(interactive.latency_count)}' in plain.text
    sent_messages = h.services.sender.stats.per_method["sendMessage"]
    assert f'buurtwacht_deliveries_by_method_total{{method="sendMessage",path="outbox"}} {float(sent_messages)}' \
        in plain.text
    assert open_metrics.headers["content-type"].startswith("application/openmetrics-text")
    assert open_metrics.text.rstrip().endswith("# EOF")
