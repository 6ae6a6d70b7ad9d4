"""The Mini App's JSON API as plain functions: who may see what, in the chat's own rules.

The user comes from validated initData only (bot.webapp.initdata); everything else a request
carries is data, never identity. Roles and permissions are bot.core.permissions' and
bot.insight.rules' (the same as /afsluiten, the officer buttons and /overzicht). Actions go
through bot.reports.service.set_incident_status: the same transaction and outbox rows as a
press on the chat button.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.core import permissions
from bot.core.domain import (
    OFFICER_KIND_VALUES,
    URGENT_CATEGORIES,
    Point,
    RecipientKind,
    SightingStatus,
)
from bot.core.i18n import Translator, supported, translator
from bot.geo.locate import Outcome, load_geojson, polygon_files
from bot.insight.rules import (
    PERIOD_LABELS,
    Scope,
    cell,
    choropleth_class,
    day_bounds,
    period,
    scope_of,
)
from bot.reports import texts as render
from bot.reports.service import CLOSED, OPEN_STATUSES, set_incident_status
from bot.runtime.services import Services
from bot.webapp.initdata import WebAppUser
from bot.webapp.texts import ACTION_LABELS, UI_TEXTS, ui_texts
from storage import insight, outbox, sightings, subscriptions, teams, users, watch
from storage import webapp as store

# What the chat lets each one do (handlers.officer's buttons; /afsluiten's outcomes).
OFFICER_ACTIONS = (SightingStatus.ACKNOWLEDGED, SightingStatus.RESOLVED, SightingStatus.NO_ACTION,
                   SightingStatus.FALSE_ALARM)
COORDINATOR_ACTIONS = (SightingStatus.RESOLVED, SightingStatus.FALSE_ALARM)


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
        team_buurten: dict[int, tuple[str, ...]] = {}
        group_chats: list[int] = []
        for team_id in sorted(permissions.coordinated_teams(grants)):
            team = await teams.get_team(services.db, team_id)
            if team is not None:
                team_buurten[team.id] = team.buurten
                group_chats += [g.chat_id for g in await teams.groups_of_team(services.db, team_id)]
        desks = tuple(g.code for g in services.config.gemeenten
                      if any(o.telegram_id == user.id for o in (*g.fallback_desk, *g.backup_desk)))
        return Viewer(user.id, translator(language), grants, scope_of(grants, team_buurten), tuple(group_chats), desks)

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

    async def _view_of(self, viewer: Viewer, incident_id: int) -> tuple[View, tuple[SightingStatus, ...], str] | None:
        """How this person sees an incident, what they may do with it, and the kind their copy had."""
        deliveries = [(d.chat_id, d.kind) for d in await outbox.deliveries_for_incident(self.services.db, incident_id)]
        if permissions.may_act_on_incident(viewer.user_id, deliveries):
            kind = next(k for c, k in deliveries if c == viewer.user_id and k in OFFICER_KIND_VALUES)
            return View.OFFICER, OFFICER_ACTIONS, kind
        if permissions.may_see_responses(viewer.group_chats, deliveries):
            return View.GROUP, COORDINATOR_ACTIONS, RecipientKind.TEAM_GROUP.value
        return None

    async def incidents(self, viewer: Viewer) -> dict[str, Any]:
        if not viewer.may_map:
            raise Refused(403, viewer.t.gettext(UI_TEXTS["forbidden"]))
        db = self.services.db
        found = await store.open_incidents_for(db, viewer.user_id, viewer.group_chats)
        urgent = await store.urgent_incidents(db, [i.id for i in found])
        index = self.services.locator.index
        items: list[tuple[tuple[bool, float], dict[str, Any]]] = []
        for incident in found:
            seen = await self._view_of(viewer, incident.id)
            if seen is None:
                continue
            view = seen[0]
            first = await sightings.first_of_incident(db, incident.id)
            area = self.services.catalog.area(incident.buurt_code)
            # The group never gets the exact point: its marker stands in the buurt.
            point = incident.point if view is View.OFFICER and incident.point else index.centroid(incident.buurt_code)
            is_urgent = incident.id in urgent or incident.category in URGENT_CATEGORIES
            # Urgent first, then the newest.
            items.append(((not is_urgent, -incident.first_at.timestamp()), {
                "id": incident.id,
                "reference": first.reference if first else "",
                "category": incident.category.value,
                "category_label": render.category_label(viewer.t, incident.category),
                "status": incident.status.value,
                "urgent": is_urgent,
                "count": incident.report_count,
                "first_at": incident.first_at.isoformat(),
                "when": viewer.t.datetime(incident.first_at, self.services.config.timezone),
                "place": render.place_label(area, first.street if view is View.OFFICER and first else None)
                if area else incident.buurt_code,
                "lat": round(point.lat, 6) if point else None,
                "lon": round(point.lon, 6) if point else None,
                "exact": view is View.OFFICER and incident.point is not None,
                "view": view.value,
            }))
        items.sort(key=lambda pair: pair[0])
        return {"incidents": [item for _, item in items]}

    async def incident(self, viewer: Viewer, incident_id: int) -> dict[str, Any]:
        if not viewer.may_map:
            raise Refused(403, viewer.t.gettext(UI_TEXTS["forbidden"]))
        db = self.services.db
        incident = await sightings.get_incident(db, incident_id)
        seen = await self._view_of(viewer, incident_id) if incident else None
        if incident is None or seen is None:
            # Whether it exists is nobody else's business: the same answer either way.
            raise Refused(403, viewer.t.gettext("Deze melding is niet aan jou doorgestuurd."))
        view, actions, kind = seen
        first = await sightings.first_of_incident(db, incident_id)
        if first is None:
            raise Refused(404, viewer.t.gettext(UI_TEXTS["error"]))
        first.area = self.services.catalog.area(first.area.buurt_code) or first.area
        reporter = None
        if view is View.OFFICER and first.reporter_id is not None:
            user = await users.get(db, first.reporter_id)
            if user is not None:
                reporter = render.reporter_label(user.display_name, user.username)
        text = render.sighting_text(
            viewer.t, first, tz=self.services.config.timezone, for_kind=RecipientKind(kind),
            reporter_label=reporter, report_count=incident.report_count, status=incident.status,
            watchers=await watch.counts(db, incident_id))
        open_now = incident.status in OPEN_STATUSES
        return {
            "id": incident_id, "reference": first.reference, "status": incident.status.value, "view": view.value,
            "html": text,
            "actions": [{"status": s.value, "label": viewer.t.gettext(ACTION_LABELS[s])}
                        for s in actions if open_now and s is not incident.status],
        }

    async def act(self, viewer: Viewer, incident_id: int, wanted: str) -> dict[str, Any]:
        """A press on an action: the chat button's checks, then the chat button's service."""
        t = viewer.t
        incident = await sightings.get_incident(self.services.db, incident_id)
        seen = await self._view_of(viewer, incident_id) if incident else None
        if incident is None or seen is None:
            raise Refused(403, t.gettext("Deze melding is niet aan jou doorgestuurd."))
        status = next((s for s in seen[1] if s.value == wanted), None)
        if status is None:
            raise Refused(403, t.gettext("Deze knop is niet geldig."))
        if incident.status is status:
            raise Refused(409, t.gettext("Dit was al zo ingesteld."))
        if incident.status in CLOSED:
            raise Refused(409, t.gettext("Deze melding is al afgesloten."))
        if await set_incident_status(self.services, incident_id, status, by=viewer.user_id) is None:
            now = await sightings.get_incident(self.services.db, incident_id)
            raise Refused(409, t.gettext("Dit was al zo ingesteld.") if now is not None and now.status is status
                          else t.gettext("Deze melding is al afgesloten."))
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
