"""The Mini App in a real browser: Debian's chromium driven by Playwright.

The page is served by the bot's own web server; Telegram's script is replaced by a stub of
``window.Telegram.WebApp`` carrying a valid initData (what the Telegram client would hand the
page). Screenshots go to tests/artifacts/ (git-ignored). Skipped only outside CI when chromium
or Playwright is missing; in CI (.ci/setup installs chromium) they always run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.domain import Category, Point, SightingStatus
from bot.webapp.initdata import init_data_for
from bot.webapp.server import WebAppServer
from storage import sightings
from tests.conftest import ROOT, BotHarness
from tests.webapp.helpers import (
    COORDINATOR_BINNENSTAD,
    RESIDENT,
    TOKEN,
    WIJKAGENT_BINNENSTAD,
    report,
)

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TELEGRAM_JS = "https://telegram.org/js/telegram-web-app.js"
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579", "button_color": "#3390ec",
         "button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f5", "link_color": "#3390ec"}
DARK = {"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa", "button_color": "#8774e1",
        "button_text_color": "#ffffff", "secondary_bg_color": "#181818", "link_color": "#8774e1"}


def need_browser() -> Any:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        async_playwright = None
    if async_playwright is None or not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/setup installs chromium, pyproject the playwright package")
        pytest.skip("no chromium or playwright here (Debian: apt-get install chromium; pip install playwright)")
    return async_playwright


def telegram_stub(init_data: str, theme: dict[str, str], scheme: str, user_id: int) -> str:
    """What telegram-web-app.js gives a page, as far as ours uses it; sendData is recorded."""
    return f"""
    window.__sent = [];
    window.Telegram = {{ WebApp: {{
      initData: {json.dumps(init_data)},
      initDataUnsafe: {{ user: {{ id: {user_id}, language_code: "nl" }} }},
      themeParams: {json.dumps(theme)}, colorScheme: {json.dumps(scheme)},
      ready: function () {{}}, expand: function () {{}}, onEvent: function () {{}},
      HapticFeedback: {{ selectionChanged: function () {{}}, notificationOccurred: function () {{}} }},
      sendData: function (data) {{ window.__sent.push(data); }}
    }} }};
    """


@pytest.fixture
async def site(harness: BotHarness) -> AsyncIterator[str]:
    server = WebAppServer(harness.services, TOKEN)
    port = await server.start()
    yield f"http://127.0.0.1:{port}/webapp/"
    await server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async_playwright = need_browser()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def open_page(browser: Any, h: BotHarness, url: str, user_id: int, *, theme: dict[str, str] = LIGHT,
                    scheme: str = "light", size: tuple[int, int] = (420, 760)) -> Any:
    page = await browser.new_page(viewport={"width": size[0], "height": size[1]})
    stub = telegram_stub(init_data_for(user_id, TOKEN, at=h.services.now(), first_name="Test"), theme, scheme, user_id)

    async def route(request_route: Any) -> None:
        if request_route.request.url == TELEGRAM_JS:
            await request_route.fulfill(status=200, content_type="application/javascript", body=stub)
        elif request_route.request.url.startswith(url.split("/webapp/")[0]):
            await request_route.continue_()
        else:  # nothing else leaves the machine
            await request_route.abort()

    await page.route("**/*", route)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors
    await page.goto(url)
    return page


async def click_at(page: Any, lat: float, lon: float) -> None:
    """A real click on the map where the point is."""
    x, y = await page.evaluate(
        "([lat, lon]) => { const p = window.buurtwacht.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon])
    box = await page.locator("#map").bounding_box()
    await page.mouse.click(box["x"] + x, box["y"] + y)


async def test_a_resident_picks_the_place_on_the_map(harness: BotHarness, site: str, browser: Any) -> None:
    h = harness
    page = await open_page(browser, h, site + "?mode=place", RESIDENT)
    await page.wait_for_selector("body[data-ready=place]")
    await page.wait_for_selector("path.leaflet-interactive")  # the buurt borders are drawn
    assert await page.locator("path.leaflet-interactive").count() == len(h.services.locator.index)
    assert await page.inner_text("#place-send") == "Deze plek"
    assert await page.is_disabled("#place-send")
    # Eindhoven lies between Helmond and the Kempen and is not configured: the page says so.
    await click_at(page, 51.4416, 5.4697)
    await page.wait_for_selector("#place-panel.outside")
    assert "buiten het gebied" in await page.inner_text("#place-message")
    assert await page.is_disabled("#place-send")
    await page.screenshot(path=str(ARTIFACTS / "place-outside.png"))
    await page.evaluate("() => window.buurtwacht.map.setView([51.4793, 5.656], 15)")
    await click_at(page, 51.4793, 5.656)
    await page.wait_for_selector("#place-send:not([disabled])")
    assert "Centrum, Helmond" in await page.inner_text("#place-message")
    await page.screenshot(path=str(ARTIFACTS / "place-chosen.png"))
    await page.click("#place-send")
    sent = await page.evaluate("() => window.__sent")
    assert len(sent) == 1
    point = json.loads(sent[0])
    assert set(point) == {"lat", "lon"}
    assert abs(point["lat"] - 51.4793) < 0.0002 and abs(point["lon"] - 5.656) < 0.0002  # a pixel at zoom 15
    assert h.services.locator.locate_point(Point(point["lat"], point["lon"])).location.area.buurt_code == "BU07941000"  # type: ignore[union-attr]
    assert page.errors == []


async def test_the_officer_map_lists_clusters_and_acts(harness: BotHarness, site: str, browser: Any) -> None:
    h = harness
    # Seven reports in and around the centre (dense: they cluster), one of them urgent.
    base = Point(51.4793, 5.6560)
    ids = []
    for i in range(6):
        ids.append(await report(h.services, category=Category.NUISANCE, description=f"Harde muziek nummer {i}",
                                point=Point(base.lat + 0.004 * (i % 3), base.lon + 0.006 * (i // 3))))
        h.clock.advance(minutes=31)  # no merging: separate incidents
    urgent = await report(h.services, category=Category.BURGLARY_IN_PROGRESS, point=Point(51.4760, 5.6620),
                          description="Twee mannen bij een achterdeur met een koevoet")
    page = await open_page(browser, h, site + "?mode=map", WIJKAGENT_BINNENSTAD, size=(900, 640))
    await page.wait_for_selector("body[data-ready=map]")
    await page.wait_for_selector("#list li[data-id]")
    assert await page.locator("#list li[data-id]").count() == 7
    assert await page.locator("#list li[data-id]").first.get_attribute("data-id") == str(urgent)  # urgent first
    await page.evaluate("() => window.buurtwacht.map.setZoom(12)")
    await page.wait_for_selector(".marker-cluster.has-urgent")  # dense: clustered, and the cluster says urgent
    await page.screenshot(path=str(ARTIFACTS / "officer-map.png"))
    await page.click(f"#list li[data-id='{urgent}']")
    await page.wait_for_selector("#detail:not([hidden]) button.action")
    detail = await page.inner_text("#detail-text")
    assert "Inbraak bezig" in detail and "Melder:" in detail
    await page.screenshot(path=str(ARTIFACTS / "officer-report.png"))
    await page.click("#detail-actions button[data-status=acknowledged]")
    await page.wait_for_selector("#toast:not([hidden])")
    assert await page.inner_text("#toast") == "Gedaan. De melder krijgt bericht."
    incident = await sightings.get_incident(h.services.db, urgent)
    assert incident is not None and incident.status is SightingStatus.ACKNOWLEDGED
    assert incident.acknowledged_by == WIJKAGENT_BINNENSTAD
    # The report is shown again as it now is: picked up, so no "Ik pak dit op" any more.
    await page.wait_for_selector("#detail-actions button[data-status=acknowledged]", state="detached")
    assert await page.locator("#detail-actions button[data-status=resolved]").count() == 1
    # The choropleth of the overview tab, per buurt, with the <3 legend.
    await page.click("#tab-overview")
    await page.wait_for_selector("#legend li")
    assert "<3" in await page.inner_text("#legend")
    await page.screenshot(path=str(ARTIFACTS / "officer-overview.png"))
    assert page.errors == []


async def test_the_coordinator_sees_the_group_view_in_dark_mode(harness: BotHarness, site: str,
                                                                browser: Any) -> None:
    h = harness
    incident_id = await report(h.services)
    page = await open_page(browser, h, site + "?mode=map", COORDINATOR_BINNENSTAD, theme=DARK, scheme="dark")
    await page.wait_for_selector("#list li[data-id]")
    assert await page.evaluate("() => document.body.classList.contains('dark')")
    background = await page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(33, 33, 33)"
    await page.click(f"#list li[data-id='{incident_id}']")
    await page.wait_for_selector("#detail:not([hidden])")
    text = await page.inner_text("#detail-text")
    assert "Melder" not in text and "annadv" not in text and "Kerkstraat" in text
    assert await page.is_visible("#detail-note")
    assert sorted(await page.locator("#detail-actions button").evaluate_all(
        "buttons => buttons.map(b => b.dataset.status)")) == ["false_alarm", "resolved"]
    await page.screenshot(path=str(ARTIFACTS / "coordinator-dark.png"))
    assert page.errors == []


async def test_outside_telegram_the_page_says_so(harness: BotHarness, site: str, browser: Any) -> None:
    page = await open_page(browser, harness, site, RESIDENT)
    await page.evaluate("() => 0")
    page2 = await browser.new_page()
    await page2.route("**/*", lambda r: r.fulfill(status=200, content_type="application/javascript", body="")
                      if r.request.url == TELEGRAM_JS else r.continue_())
    await page2.goto(site)
    await page2.wait_for_selector("#toast:not([hidden])")
    assert await page2.inner_text("#toast") == "Open deze kaart vanuit Telegram."


async def test_a_demo_link_signs_in_without_telegrams_script(harness: BotHarness, site: str, browser: Any) -> None:
    """`buurtwacht demo` prints links with the launch parameters in the fragment, as Telegram
    opens a Mini App; offline, Telegram's script does not load and the page reads them itself."""
    from bot.webapp.links import MAP_MODE, local_url

    await report(harness.services)
    url = local_url(site, MAP_MODE, init_data_for(WIJKAGENT_BINNENSTAD, TOKEN, at=harness.services.now()))
    page = await browser.new_page()
    await page.route("**/*", lambda r: r.abort() if not r.request.url.startswith(site.split("/webapp/")[0])
                     else r.continue_())
    await page.goto(url)
    await page.wait_for_selector("body[data-ready=map]")
    await page.wait_for_selector("#list li[data-id]")
