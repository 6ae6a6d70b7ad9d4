"""The Mini App's JSON API as plain functions: who may see what, in the chat's own rules.

The user comes from validated initData only (bot.webapp.initdata); everything else a request
carries is data, never identity. Roles and permissions are bot.core.permissions' and
bot.insight.rules' (the same as /afsluiten, the officer buttons and /overzicht). Actions go
through the chat's own service functions (bot.desk.service.set_outcome for the officer's
buttons, bot.alerts.lifecycle.close_by_reference for a coordinator's /afsluiten): the same
checks, transaction, audit trail and outbox rows as a press in the chat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.alerts.lifecycle import CloseResult, close_by_reference
from bot.core import help as help_labels
from bot.core import permissions
from bot.core.domain import OPEN_STATUSES, Point, SightingStatus
from bot.core.i18n import N_, Translator, supported, translator
from bot.desk import rules as desk_rules
from bot.desk import service as desk
from bot.geo.locate import Outcome, load_geojson, polygon_files
from bot.insight import service as figures
from bot.insight.rules import (
    PERIOD_LABELS,
    Scope,
    cell,
    choropleth_class,
    day_bounds,
    period,
)
from bot.reports import officer_buttons
from bot.reports import texts as render
from bot.runtime.services import Services
from bot.webapp.initdata import WebAppUser
from bot.webapp.texts import UI_TEXTS, ui_texts
from storage import desk as desk_store
from storage import insight, outbox, subscriptions, teams, users
from storage import webapp as store
from storage.desk import DeskRow

# A coordinator ends an alert of their group with /afsluiten <ref> opgelost|vals: the same two here.
COORDINATOR_ACTIONS = ((SightingStatus.RESOLVED, help_labels.DONE_BUTTON),
                       (SightingStatus.FALSE_ALARM, help_labels.FALSE_ALARM_BUTTON))
# Why the desk refused an outcome, as the chat says it (handlers.officer): HTTP status, text.
_REFUSALS: dict[desk.Outcome, tuple[int, str]] = {
    desk.Outcome.NOT_FOUND: (403, N_("Deze melding is niet aan jou doorgestuurd.")),
    desk.Outcome.NOT_ALLOWED: (403, N_("Je kunt deze melding bekijken, maar niet behandelen.")),
    desk.Outcome.ALREADY: (409, N_("Dit was al zo ingesteld.")),
    desk.Outcome.CLOSED: (409, N_("Deze melding is al afgesloten.")),
}


class View(StrEnum):
    OFFICER = "officer"  # as the officer's own copy: reporter, exact point, all buttons
    GROUP = "group"  # as the alert group reads it: no reporter, no house number, no exact point


class Refused(Exception):
    """The signed-in user may not do this: ``status`` is the HTTP status (403, 404, 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    t: Translator
    grants: tuple[permissions.Grant, ...]
    scope: Scope | None  # /overzicht's scope: None for residents
    group_chats: tuple[int, ...]  # the alert groups of the teams they coordinate
    desk_gemeenten: tuple[str, ...]  # gemeenten whose fallback or backup desk they are

    @property
    def may_map(self) -> bool:
        return self.scope is not None or bool(self.desk_gemeenten) or bool(self.group_chats)


class WebApp:
    """One per process: holds the buurt shapes as GeoJSON features (read once)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._features: dict[str, dict[str, Any]] | None = None

    # ------------------------------------------------------------------ who

    async def viewer(self, user: WebAppUser) -> Viewer:
        services = self.services
        stored = await users.get(services.db, user.id)
        language = stored.language if stored else (supported(user.language_code) or services.config.language)
        grants = tuple(await users.roles_of(services.db, user.id))
        group_chats = [g.chat_id for team_id in sorted(permissions.coordinated_teams(grants))
                       for g in await teams.groups_of_team(services.db, team_id)]
        desks = tuple(g.code for g in services.config.gemeenten
                      if any(o.telegram_id == user.id for o in (*g.fallback_desk, *g.backup_desk)))
        scope = await figures.scope_of_grants(services, grants)  # what /overzicht would show them
        return Viewer(user.id, translator(language), grants, scope, tuple(group_chats), desks)

    # ------------------------------------------------------------------ session and areas

    async def session(self, viewer: Viewer) -> dict[str, Any]:
        web = self.services.config.webapp
        return {
            "user": viewer.user_id,
            "language": viewer.t.language,
            "may_map": viewer.may_map,
            "may_overview": viewer.scope is not None,
            "texts": ui_texts(viewer.t),
            "tiles": web.tiles if web else "",
            "attribution": web.attribution if web else "",
        }

    def features(self) -> dict[str, dict[str, Any]]:
        """Every configured buurt's polygon as a GeoJSON feature, by buurt code."""
        if self._features is None:
            catalog = self.services.catalog
            features: dict[str, dict[str, Any]] = {}
            for path in polygon_files(self.services.config):
                for feature in load_geojson(path).get("features", []):
                    code = (feature.get("properties") or {}).get("statcode") or feature.get("id")
                    area = catalog.area(code) if isinstance(code, str) else None
                    if area is None or not feature.get("geometry"):
                        continue
                    features[area.buurt_code] = {
                        "type": "Feature", "geometry": feature["geometry"],
                        "properties": {"code": area.buurt_code, "name": area.buurt_name, "wijk": area.wijk_name,
                                       "gemeente": area.gemeente_name},
                    }
            self._features = features
        return self._features

    async def place_areas(self, viewer: Viewer) -> dict[str, Any]:
        """For picking a place: every configured buurt, opened on the resident's own gemeente
        (the buurt they follow), else on the whole area."""
        features = self.features()
        followed = await subscriptions.of_user(self.services.db, viewer.user_id)
        home = [code for code in features if followed and permissions.area_contains(
            permissions.gemeente_of(followed[0]), code)]
        return {"type": "FeatureCollection", "features": list(features.values()),
                "home": _bbox([features[c] for c in home]) if home else _bbox(list(features.values()))}

    def _codes_in_scope(self, viewer: Viewer) -> list[str]:
        prefixes = tuple(viewer.scope.prefixes if viewer.scope else ()) + tuple("BU" + g[2:] for g in viewer.desk_gemeenten)
        return [code for code in self.features() if code.startswith(prefixes)] if prefixes else []

    async def map_areas(self, viewer: Viewer) -> dict[str, Any]:
        if not viewer.may_map:
            raise Refused(403, viewer.t.gettext(UI_TEXTS["forbidden"]))
        features = self.features()
        codes = self._codes_in_scope(viewer) or list(features)
        chosen = [features[c] for c in codes]
        return {"type": "FeatureCollection", "features": chosen, "home": _bbox(chosen)}

    def locate(self, viewer: Viewer, lat: float, lon: float) -> dict[str, Any]:
        """Is this point inside the configured area? (The report flow checks it again.)"""
        result = self.services.locator.locate_point(Point(lat, lon))
        if result.outcome is not Outcome.FOUND or result.location is None:
            return {"inside": False, "message": viewer.t.gettext(UI_TEXTS["place_outside"])}
        area = result.location.area
        return {"inside": True, "buurt": area.buurt_name, "gemeente": area.gemeente_name,
                "message": viewer.t.gettext(UI_TEXTS["place_in"]).format(buurt=area.buurt_name,
                                                                             gemeente=area.gemeente_name)}

    # ------------------------------------------------------------------ incidents

    async def _rows(self, viewer: Viewer) -> dict[int, tuple[DeskRow, View]]:
        """Open incidents this person's desk shows (bot.desk: their area, their teams' buurten)
        and those whose report went to them as an officer, each with how they see it."""
        services = self.services
        scope = await desk.scope_of(services, viewer.user_id)
        rows = {r.id: r for r in await desk_store.incidents_in(services.db, scope.gemeenten, closed_since=None)
                if scope.sees(r)}
        for incident in await store.open_incidents_for(services.db, viewer.user_id, viewer.group_chats):
            if incident.id not in rows and (row := await desk_store.incident(services.db, incident.id)) is not None:
                rows[row.id] = row
        seen: dict[int, tuple[DeskRow, View]] = {}
        for row in rows.values():
            acting = await desk.may_act(services, viewer.user_id, row)
            seen[row.id] = (row, View.OFFICER if acting else View.GROUP)
        return seen

    async def incidents(self, viewer: Viewer) -> dict[str, Any]:
        if not viewer.may_map:
            raise Refused(403, viewer.t.gettext(UI_TEXTS["forbidden"]))
        index = self.services.locator.index
        tz = self.services.config.timezone
        seen = await self._rows(viewer)
        ordered = desk_rules.desk_order(row for row, _ in seen.values())
        items = []
        for listed in ordered:
            row, view = seen[listed.id]
            officer = view is View.OFFICER
            area = self.services.catalog.area(row.buurt_code)
            # The group never gets the exact point: its marker stands in the buurt.
            point = row.point if officer and row.point else index.centroid(row.buurt_code)
            items.append({
                "id": row.id, "reference": row.reference, "category": row.category.value,
                "category_label": render.category_label(viewer.t, row.category), "status": row.status.value,
                "urgent": desk_rules.is_urgent(row), "count": row.report_count,
                "first_at": row.first_at.isoformat(), "when": viewer.t.datetime(row.first_at, tz),
                "place": render.place_label(area, row.street) if area else row.buurt_code,
                "lat": round(point.lat, 6) if point else None, "lon": round(point.lon, 6) if point else None,
                "exact": officer and row.point is not None, "view": view.value,
            })
        return {"incidents": items}

    async def _closable_by_coordinator(self, viewer: Viewer, incident_id: int) -> bool:
        """/afsluiten's rule: a coordinator may end an alert posted in one of their groups."""
        deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(self.services.db, incident_id)]
        return permissions.may_see_responses(viewer.group_chats, deliveries)

    async def incident(self, viewer: Viewer, incident_id: int) -> dict[str, Any]:
        """The report as the desk shows it to this person (bot.desk.service.detail: the officer's
        copy with its history, or the group's copy), with the chat's outcome buttons."""
        t = viewer.t
        shown = await desk.detail(self.services, viewer.user_id, incident_id, language=t.language) \
            if viewer.may_map else None
        row = await desk_store.incident(self.services.db, incident_id) if shown else None
        if shown is None or row is None:
            # Whether it exists is nobody else's business: the same answer either way.
            raise Refused(403, t.gettext("Deze melding is niet aan jou doorgestuurd."))
        actions: list[dict[str, str]] = []
        if shown.may_act:
            for button in (b for line in (shown.keyboard or {}).get("inline_keyboard", []) for b in line):  # type: ignore[attr-defined]
                press = officer_buttons.parse(button.get("callback_data"))
                if press is not None and press.action is officer_buttons.Action.OUTCOME and press.status is not None:
                    actions.append({"status": press.status.value, "label": button["text"]})
        elif row.status in OPEN_STATUSES and await self._closable_by_coordinator(viewer, incident_id):
            actions = [{"status": status.value, "label": t.gettext(label)} for status, label in COORDINATOR_ACTIONS]
        return {"id": incident_id, "reference": row.reference, "status": row.status.value,
                "view": (View.OFFICER if shown.may_act else View.GROUP).value, "html": shown.text,
                "actions": actions}

    async def act(self, viewer: Viewer, incident_id: int, wanted: str) -> dict[str, Any]:
        """A press on an outcome: the chat button's service (bot.desk.service.set_outcome), or for
        a coordinator /afsluiten's (bot.alerts.lifecycle.close_by_reference)."""
        t = viewer.t
        status = next((s for s in SightingStatus if s.value == wanted), None)
        row = await desk_store.incident(self.services.db, incident_id)
        if row is None or status is None:
            raise Refused(403, t.gettext("Deze melding is niet aan jou doorgestuurd."))
        if await desk.may_act(self.services, viewer.user_id, row):
            outcome = await desk.set_outcome(self.services, viewer.user_id, incident_id, status)
            if outcome is not desk.Outcome.DONE:
                code, message = _REFUSALS.get(outcome, (403, N_("Deze knop is niet geldig.")))
                raise Refused(code, t.gettext(message))
        elif status in dict(COORDINATOR_ACTIONS) and await self._closable_by_coordinator(viewer, incident_id):
            closed = await close_by_reference(self.services, viewer.user_id, row.reference, status)
            if closed is CloseResult.NOT_YOURS:
                raise Refused(403, t.gettext("Deze melding is niet naar jou of je groepen gegaan."))
            if closed is CloseResult.ALREADY_CLOSED:
                raise Refused(409, t.gettext("Deze melding is al afgesloten."))
        else:
            raise Refused(403, t.gettext("Deze melding is niet aan jou doorgestuurd."))
        return {"ok": True, "status": status.value, "message": t.gettext(UI_TEXTS["done"])}

    # ------------------------------------------------------------------ overview

    async def overview(self, viewer: Viewer, name: str) -> dict[str, Any]:
        """/overzicht's reports per buurt for the period, as a choropleth; counts below 3 as "<3"
        (the exact value never leaves the server)."""
        scope = viewer.scope
        if scope is None:
            raise Refused(403, viewer.t.gettext(UI_TEXTS["forbidden"]))
        if name not in PERIOD_LABELS:
            name = "30d"
        tz = self.services.config.timezone
        start, end = period(name, self.services.now().astimezone(tz).date())
        since, until = day_bounds(start, end, tz)
        counts = await insight.counts(self.services.db, list(scope.prefixes), since, until, by="buurt_code")
        totals: dict[str, int] = {}
        for (code, _), value in counts.items():
            totals[code] = totals.get(code, 0) + value
        features = self.features()
        chosen = []
        for code in self._codes_in_scope(viewer):
            value = totals.get(code, 0)
            feature = features[code]
            chosen.append({**feature, "properties": {**feature["properties"], "shown": cell(value),
                                                     "class": choropleth_class(value)}})
        return {"type": "FeatureCollection", "features": chosen, "home": _bbox(chosen), "period": name,
                "label": viewer.t.gettext("Overzicht {start} – {end}").format(
                    start=viewer.t.date(start), end=viewer.t.date(end - dt.timedelta(days=1)))}


def _bbox(features: list[dict[str, Any]]) -> list[float] | None:
    """[south, west, north, east] over the features' coordinates."""
    lats: list[float] = []
    lons: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
        else:
            for part in coords:
                walk(part)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    return [min(lats), min(lons), max(lats), max(lons)] if lats else None


async def may_open_map(services: Services, user_id: int) -> bool:
    """Whether /kaart has a map for this person: an officer, coordinator, admin or desk."""
    return (await WebApp(services).viewer(WebAppUser(id=user_id))).may_map
