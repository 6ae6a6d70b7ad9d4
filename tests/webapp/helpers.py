"""Shared by the Mini App's tests: reports in the database, a running server, signed requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from bot.core.domain import Category, LocationSource, Point, Sighting
from bot.reports.service import submit_sighting
from bot.runtime.services import Services
from bot.webapp.initdata import init_data_for
from storage import users

TOKEN = "123:TEST"  # the harness's bot token: it signs initData
RESIDENT = 100001
OTHER_RESIDENT = 100002
WIJKAGENT_BINNENSTAD = 200010  # config.example.toml: wijk WK079410
WIJKAGENT_ELSEWHERE = 200011
COORDINATOR_BINNENSTAD = 500001  # team "BPT Binnenstad", group -1001000000010
COORDINATOR_BRANDEVOORT = 500002
CENTRUM = "BU07941000"
CENTRUM_POINT = Point(51.4793, 5.6560)


async def report(services: Services, *, category: Category = Category.SUSPICIOUS_PERSON, buurt: str = CENTRUM,
                 point: Point | None = CENTRUM_POINT, reporter: int = RESIDENT, urgent: bool = False,
                 description: str = "Man in grijze jas probeert deurklinken, liep richting station") -> int:
    """A resident's report, stored and routed as the chat's Versturen does; returns the incident."""
    await users.ensure(services.db, reporter, language="nl", display_name="Anna de Vries", username="annadv",
                       private_chat=True)
    area = services.catalog.area(buurt)
    assert area is not None
    sighting = Sighting(category=category, reporter_id=reporter, area=area, occurred_at=services.now(),
                        description=description, location_source=LocationSource.GPS, point=point,
                        street="Kerkstraat", urgent=urgent)
    submitted = await submit_sighting(services, sighting, reporter_label="Anna de Vries (@annadv)")
    return submitted.incident_id


def signed(services: Services, user_id: int, *, at: dt.datetime | None = None) -> dict[str, str]:
    return {"Authorization": "tma " + init_data_for(user_id, TOKEN, at=at or services.now(), first_name="Test")}


class Api:
    """Requests to the Mini App's API as one signed-in user."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get("/webapp/api/" + path, params=params, headers=self.headers)

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post("/webapp/api/" + path, json=body, headers=self.headers)
