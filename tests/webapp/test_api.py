"""The Mini App's API over HTTP: signed in by initData only, the chat's permission rules."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from tornado.web import Application

from bot.core.domain import Category, Point, Role, SightingStatus
from bot.webapp.initdata import sign
from bot.webapp.server import WebAppServer, mount, webhook_application
from storage import outbox, sightings, users
from tests.conftest import BotHarness
from tests.webapp.helpers import (
    COORDINATOR_BINNENSTAD,
    COORDINATOR_BRANDEVOORT,
    RESIDENT,
    TOKEN,
    WIJKAGENT_BINNENSTAD,
    WIJKAGENT_ELSEWHERE,
    Api,
    report,
    signed,
)


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[httpx.AsyncClient]:
    server = WebAppServer(harness.services, TOKEN)
    port = await server.start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        yield http
    await server.stop()


def api(h: BotHarness, client: httpx.AsyncClient, user_id: int) -> Api:
    return Api(client, signed(h.services, user_id))


ENDPOINTS = [("get", "session"), ("get", "areas"), ("get", "incidents"), ("get", "incidents/1"),
             ("post", "incidents/1/status"), ("get", "overview"), ("post", "locate")]


@pytest.mark.parametrize("method, path", ENDPOINTS)
async def test_without_valid_init_data_every_call_is_401(harness: BotHarness, client: httpx.AsyncClient,
                                                         method: str, path: str) -> None:
    h = harness
    fresh = signed(h.services, WIJKAGENT_BINNENSTAD)["Authorization"]
    forged = fresh[:-1] + ("0" if fresh[-1] != "0" else "1")
    expired = signed(h.services, WIJKAGENT_BINNENSTAD, at=h.services.now() - dt.timedelta(minutes=61))
    other_bot = {"Authorization": "tma " + sign({"auth_date": str(int(h.services.now().timestamp())),
                                                  "user": json.dumps({"id": WIJKAGENT_BINNENSTAD})}, "999:OTHER")}
    for headers in ({}, {"Authorization": forged}, expired, other_bot, {"Authorization": fresh[4:]}):
        response = await getattr(Api(client, headers), method)(path, **({"body": {}} if method == "post" else {}))
        assert response.status_code == 401, headers
        assert response.json()["error"] == "unauthorized"
        assert "incidents" not in response.json()


async def test_another_users_init_data_cannot_be_made_into_an_officers(harness: BotHarness,
                                                                       client: httpx.AsyncClient) -> None:
    """A resident keeps their signed initData and swaps in the wijkagent's id: refused; the
    wijkagent's own initData, replayed after its hour, is refused too."""
    h = harness
    await report(h.services)
    mine = signed(h.services, RESIDENT)["Authorization"]
    swapped = mine.replace(f"%22id%22%3A{RESIDENT}", f"%22id%22%3A{WIJKAGENT_BINNENSTAD}")
    assert swapped != mine
    assert (await Api(client, {"Authorization": swapped}).get("incidents")).status_code == 401
    captured = signed(h.services, WIJKAGENT_BINNENSTAD)
    assert (await Api(client, captured).get("incidents")).status_code == 200
    h.clock.advance(minutes=61)
    assert (await Api(client, captured).get("incidents")).status_code == 401
    # Who asks is the signed user, never a parameter.
    response = await Api(client, signed(h.services, RESIDENT)).get("incidents", user=WIJKAGENT_BINNENSTAD)
    assert response.status_code == 403


async def test_a_resident_gets_no_officer_data(harness: BotHarness, client: httpx.AsyncClient) -> None:
    h = harness
    incident_id = await report(h.services)
    resident = api(h, client, RESIDENT)
    session = (await resident.get("session")).json()
    assert session["may_map"] is False and session["may_overview"] is False
    for path in ("incidents", f"incidents/{incident_id}", "overview"):
        assert (await resident.get(path)).status_code == 403, path
    assert (await resident.get("areas", mode="map")).status_code == 403
    response = await resident.post(f"incidents/{incident_id}/status", {"status": "resolved"})
    assert response.status_code == 403
    incident = await sightings.get_incident(h.services.db, incident_id)
    assert incident is not None and incident.status is SightingStatus.NEW


async def test_the_officer_sees_the_report_as_their_copy_and_picks_it_up(harness: BotHarness,
                                                                        client: httpx.AsyncClient) -> None:
    h = harness
    incident_id = await report(h.services)
    officer = api(h, client, WIJKAGENT_BINNENSTAD)
    listed = (await officer.get("incidents")).json()["incidents"]
    assert [(i["id"], i["view"], i["exact"]) for i in listed] == [(incident_id, "officer", True)]
    assert (listed[0]["lat"], listed[0]["lon"]) == (51.4793, 5.656)
    detail = (await officer.get(f"incidents/{incident_id}")).json()
    assert "Melder: Anna de Vries (@annadv)" in detail["html"]
    assert [a["status"] for a in detail["actions"]] == ["acknowledged", "resolved", "no_action", "false_alarm"]
    before = await h.services.db.fetchone("SELECT COUNT(*) FROM outbox")
    response = await officer.post(f"incidents/{incident_id}/status", {"status": "acknowledged"})
    assert response.status_code == 200 and response.json()["message"] == "Gedaan. De melder krijgt bericht."
    incident = await sightings.get_incident(h.services.db, incident_id)
    assert incident is not None and incident.status is SightingStatus.ACKNOWLEDGED
    assert incident.acknowledged_by == WIJKAGENT_BINNENSTAD
    # The same outbox rows as the chat button: every copy edited, the reporter told.
    after = await h.services.db.fetchone("SELECT COUNT(*) FROM outbox")
    assert before is not None and after is not None and after[0] > before[0]
    await h.deliver()
    assert "wordt opgepakt" in h.request.last_text(RESIDENT)
    # Pressed twice: nothing changes, nobody is told twice.
    again = await officer.post(f"incidents/{incident_id}/status", {"status": "acknowledged"})
    assert again.status_code == 409 and again.json()["error"] == "Dit was al zo ingesteld."
    done = await officer.post(f"incidents/{incident_id}/status", {"status": "resolved"})
    assert done.status_code == 200
    assert (await officer.get("incidents")).json()["incidents"] == []
    closed = await officer.post(f"incidents/{incident_id}/status", {"status": "false_alarm"})
    assert closed.status_code == 409 and closed.json()["error"] == "Deze melding is al afgesloten."


async def test_the_coordinator_sees_the_group_view_and_may_only_close(harness: BotHarness,
                                                                     client: httpx.AsyncClient) -> None:
    h = harness
    incident_id = await report(h.services)
    coordinator = api(h, client, COORDINATOR_BINNENSTAD)
    session = (await coordinator.get("session")).json()
    assert session["may_map"] and session["may_overview"]
    listed = (await coordinator.get("incidents")).json()["incidents"]
    assert [(i["id"], i["view"], i["exact"]) for i in listed] == [(incident_id, "group", False)]
    centroid = h.services.locator.index.centroid("BU07941000")
    assert centroid is not None and (listed[0]["lat"], listed[0]["lon"]) == (round(centroid.lat, 6),
                                                                             round(centroid.lon, 6))
    detail = (await coordinator.get(f"incidents/{incident_id}")).json()
    assert "Melder" not in detail["html"] and "annadv" not in detail["html"] and "51.479" not in detail["html"]
    assert "Kerkstraat, Centrum (Helmond)" in detail["html"]
    assert [a["status"] for a in detail["actions"]] == ["resolved", "false_alarm"]
    refused = await coordinator.post(f"incidents/{incident_id}/status", {"status": "acknowledged"})
    assert refused.status_code == 403
    assert (await coordinator.post(f"incidents/{incident_id}/status", {"status": "resolved"})).status_code == 200


async def test_others_never_see_or_touch_an_incident_that_did_not_reach_them(harness: BotHarness,
                                                                            client: httpx.AsyncClient) -> None:
    h = harness
    await users.ensure(h.services.db, WIJKAGENT_ELSEWHERE, language="nl", display_name="X", username=None)
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, WIJKAGENT_ELSEWHERE, Role.WIJKAGENT, "WK079421", granted_by=None)
    incident_id = await report(h.services)
    for user_id in (WIJKAGENT_ELSEWHERE, COORDINATOR_BRANDEVOORT):
        other = api(h, client, user_id)
        assert (await other.get("incidents")).json()["incidents"] == []
        assert (await other.get(f"incidents/{incident_id}")).status_code == 403
        assert (await other.post(f"incidents/{incident_id}/status", {"status": "resolved"})).status_code == 403
        assert (await other.get("incidents/999999")).status_code == 403  # unknown looks the same
    incident = await sightings.get_incident(h.services.db, incident_id)
    assert incident is not None and incident.status is SightingStatus.NEW


async def test_urgent_first_then_newest(harness: BotHarness, client: httpx.AsyncClient) -> None:
    h = harness
    older = await report(h.services, category=Category.NUISANCE, description="Harde muziek uit een auto")
    h.clock.advance(minutes=40)
    urgent = await report(h.services, category=Category.BURGLARY_IN_PROGRESS, point=Point(51.4770, 5.6600))
    h.clock.advance(minutes=1)
    newest = await report(h.services, category=Category.OTHER, point=Point(51.4800, 5.6500),
                          description="Straatlantaarn kapot bij de speeltuin")
    listed = (await api(h, client, WIJKAGENT_BINNENSTAD).get("incidents")).json()["incidents"]
    assert [(i["id"], i["urgent"]) for i in listed] == [(urgent, True), (newest, False), (older, False)]


async def test_overview_per_buurt_hides_small_counts(harness: BotHarness, client: httpx.AsyncClient) -> None:
    h = harness
    await report(h.services)
    for minutes in (0, 40, 80):
        h.clock.advance(minutes=minutes)
        await report(h.services, buurt="BU07941002", point=None)
    body = (await api(h, client, WIJKAGENT_BINNENSTAD).get("overview", period="7d")).json()
    shown = {f["properties"]["code"]: (f["properties"]["shown"], f["properties"]["class"]) for f in body["features"]}
    assert shown["BU07941000"] == ("<3", 1)
    assert shown["BU07941002"] == ("3", 2)
    assert all(code.startswith("BU079410") for code in shown)
    assert '"1"' not in json.dumps([f["properties"] for f in body["features"]])
    coordinator = (await api(h, client, COORDINATOR_BINNENSTAD).get("overview", period="30d")).json()
    assert sorted(f["properties"]["code"] for f in coordinator["features"]) == ["BU07941000", "BU07941002",
                                                                                "BU07941003"]


async def test_place_areas_and_outside(harness: BotHarness, client: httpx.AsyncClient) -> None:
    h = harness
    resident = api(h, client, RESIDENT)
    areas = (await resident.get("areas")).json()
    assert len(areas["features"]) == len(h.services.locator.index)  # every configured buurt with a polygon
    inside = (await resident.post("locate", {"lat": 51.4793, "lon": 5.6560})).json()
    assert inside["inside"] is True and inside["buurt"] == "Centrum"
    outside = (await resident.post("locate", {"lat": 52.3731, "lon": 4.8922})).json()  # Amsterdam
    assert outside["inside"] is False and "buiten het gebied" in outside["message"]
    assert (await resident.post("locate", {"lat": "51", "lon": 5})).status_code == 400
    assert (await resident.post("locate", {"lat": 91, "lon": 5})).status_code == 400


async def test_texts_come_from_the_catalogs(harness: BotHarness, client: httpx.AsyncClient) -> None:
    h = harness
    await users.ensure(h.services.db, 100050, language="en", display_name="E", username=None)
    texts = (await api(h, client, 100050).get("session")).json()["texts"]
    assert texts["place_send"] == "This place"
    assert texts["status"]["acknowledged"] == "Being picked up"
    dutch = (await api(h, client, RESIDENT).get("session")).json()["texts"]
    assert dutch["place_send"] == "Deze plek"


async def test_page_and_vendored_leaflet_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/webapp/")
    assert page.status_code == 200 and "static/app.js" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    leaflet = await client.get("/webapp/static/vendor/leaflet/leaflet.js")
    assert leaflet.status_code == 200 and "Leaflet 1.9.4" in leaflet.text
    assert (await client.get("/webapp/static/../server.py")).status_code in (403, 404)
    assert (await client.get("/webapp/static/vendor/leaflet/LICENSE")).status_code == 200
    redirect = await client.get("/webapp")
    assert redirect.status_code == 301 and redirect.headers["Location"] == "/webapp/"
    texts = (await client.get("/webapp/api/texts", params={"language": "en-GB"})).json()
    assert texts["not_in_telegram"] == "Open this map from Telegram."


async def test_mounted_on_the_webhooks_tornado_application(harness: BotHarness) -> None:
    """Webhook mode: the routes join the webhook's tornado application; the webhook stays."""
    from telegram.ext._utils.webhookhandler import WebhookAppClass, WebhookServer

    application = WebhookAppClass("/telegram", harness.app.bot, harness.app.update_queue, "s" * 20)

    class FakeUpdater:
        _httpd = WebhookServer("127.0.0.1", 0, application, None)

    found = webhook_application(FakeUpdater())
    assert found is application
    mount(application, harness.services, TOKEN, "/webapp/")
    import tornado.httpserver
    import tornado.netutil

    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(application)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get("/webapp/api/session")).status_code == 401
            ok = await http.get("/webapp/api/session", headers=signed(harness.services, RESIDENT))
            assert ok.status_code == 200
            # The webhook answers as before (403 without its secret token).
            assert (await http.post("/telegram", content=b"{}")).status_code == 403
    finally:
        server.stop()
    assert isinstance(application, Application)
    assert await outbox.depth(harness.services.db) >= 0
