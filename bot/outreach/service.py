"""The writes and look-ups behind follow links, /abonneer, /opzeggen and /flyer: what a link
follows, following it (in one transaction, before the resident is told), and which flyers a
person may make."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import permissions
from bot.core.domain import AreaRef, Role
from bot.core.i18n import LANGUAGES, has_catalog
from bot.geo.locate import Outcome
from bot.outreach.follow import FollowTarget, TargetKind
from bot.runtime.services import Services
from storage import subscriptions, teams, users


@dataclass(frozen=True, slots=True)
class FollowPlace:
    """A follow target as people see it: a buurt, or a team with its buurten."""

    target: FollowTarget
    name: str  # "Aalst (Waalre)" or the team's name
    buurten: tuple[str, ...]
    buurt_names: tuple[str, ...]
    gemeente_code: str
    gemeente_name: str


async def resolve(services: Services, target: FollowTarget) -> FollowPlace | None:
    """The place behind a link, or None when the buurt is not configured or the team is gone
    (a link can be forged or outlive its team)."""
    catalog = services.catalog
    if target.kind is TargetKind.BUURT:
        assert target.buurt_code is not None
        area = catalog.area(target.buurt_code)
        if area is None:
            return None
        return FollowPlace(target, area.buurt_name, (area.buurt_code,), (area.buurt_name,),
                           area.gemeente_code, area.gemeente_name)
    assert target.team_id is not None
    team = await teams.get_team(services.db, target.team_id)
    if team is None:
        return None
    areas = [a for a in (catalog.area(code) for code in team.buurten) if a is not None]
    if not areas:
        return None
    return FollowPlace(target, team.name, tuple(a.buurt_code for a in areas), tuple(a.buurt_name for a in areas),
                       areas[0].gemeente_code, areas[0].gemeente_name)


async def choose_language(services: Services, telegram_id: int, language: str) -> bool:
    if language not in LANGUAGES or not has_catalog(language):
        return False
    await users.set_language(services.db, telegram_id, language)
    return True


async def follow(services: Services, telegram_id: int, place: FollowPlace) -> int:
    """Follow every buurt of ``place`` (alerts and the weekly tip), after the resident
    confirmed the statement. Returns how many buurten were new; an address kept earlier
    stays. Written before the resident hears "you follow …"."""
    now = services.now()
    added = 0
    async with services.db.transaction() as tx:
        for code in place.buurten:
            added += await subscriptions.follow(tx, telegram_id, code, now=now)
    if added:
        await services.refresh_directory()
    return added


# ---------------------------------------------------------------------------- /abonneer

ADDRESS_MAX = 100  # characters of a typed address that are read (and kept, when asked)


async def subscribe(services: Services, telegram_id: int, address: str) -> AreaRef | None:
    """/abonneer <postcode> <huisnummer>: follow the alerts of the buurt the address lies in.
    Only the buurt is kept (the address only when the resident asks, :func:`keep_address`).
    None when the address cannot be read or lies outside every configured buurt."""
    result = await services.locator.locate_text(address[:ADDRESS_MAX])
    if result.outcome is not Outcome.FOUND or result.location is None:
        return None
    area = result.location.area
    await subscriptions.subscribe(services.db, telegram_id, area.buurt_code, address=None, now=services.now())
    await services.refresh_directory()
    return area


async def keep_address(services: Services, telegram_id: int, buurt_code: str, address: str) -> bool:
    """The resident asked to keep their address with the buurt they follow; False when they
    no longer follow it."""
    if buurt_code not in await subscriptions.of_user(services.db, telegram_id):
        return False
    await subscriptions.subscribe(services.db, telegram_id, buurt_code, address=address[:ADDRESS_MAX],
                                  now=services.now())
    return True


async def unsubscribe(services: Services, telegram_id: int) -> bool:
    """/opzeggen: no more buurt alerts; False when they followed no buurt."""
    removed = await subscriptions.unsubscribe(services.db, telegram_id)
    await services.refresh_directory()
    return removed > 0


# ---------------------------------------------------------------------------- flyers


async def flyer_targets(services: Services, telegram_id: int) -> list[FollowPlace]:
    """What this person may make a flyer for: their own teams (coordinator) and, for an
    admin, every team of their gemeente. Buurten are asked for by code (see may_flyer_buurt)."""
    grants = await users.roles_of(services.db, telegram_id)
    own = permissions.coordinated_teams(grants)
    places: list[FollowPlace] = []
    for team in await teams.all_teams(services.db):
        if team.id in own or permissions.is_admin_for(grants, team.gemeente_code):
            place = await resolve(services, FollowTarget.team(team.id))
            if place is not None:
                places.append(place)
    return places


async def may_flyer(services: Services, telegram_id: int, target: FollowTarget) -> FollowPlace | None:
    """The place, when this person may make its flyer: an admin for any buurt or team of
    their gemeente, a coordinator for their teams and the buurten of their teams."""
    place = await resolve(services, target)
    if place is None:
        return None
    grants = await users.roles_of(services.db, telegram_id)
    if permissions.is_admin_for(grants, place.gemeente_code):
        return place
    own = permissions.coordinated_teams(grants)
    if target.kind is TargetKind.TEAM:
        return place if target.team_id in own else None
    for team_id in own:
        team = await teams.get_team(services.db, team_id)
        if team is not None and target.buurt_code in team.buurten:
            return place
    return None


async def may_make_flyers(services: Services, telegram_id: int) -> bool:
    grants = await users.roles_of(services.db, telegram_id)
    return any(role in (Role.ADMIN, Role.COORDINATOR) for role, _ in grants)
