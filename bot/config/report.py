"""``buurtwacht check-config``: what a config covers and what it lacks."""

from __future__ import annotations

import httpx

from bot.config.schema import Config, GemeenteConfig, Officer, WijkConfig
from bot.core.domain import Category, RecipientKind


def count(n: int, one: str, many: str) -> str:
    """``1 wijk``, ``2 wijken``: operator output in English words, Dutch area names."""
    return f"{n} {one if n == 1 else many}"


def summary(config: Config) -> str:
    wijken = [(g, w) for g in config.gemeenten for w in g.wijken]
    buurten = config.all_buurten()
    team_buurten = {code for team in config.teams for code in team.buurten}
    lines = [
        f"config OK: {count(len(config.gemeenten), 'gemeente', 'gemeenten')}, {count(len(wijken), 'wijk', 'wijken')}, "
        f"{count(len(buurten), 'buurt', 'buurten')}, {count(len(config.teams), 'team', 'teams')}, "
        f"{count(sum(len(t.groups) for t in config.teams), 'alert group', 'alert groups')}",
        f"timezone {config.timezone.key}, language {config.language}, database {config.database}",
        f"updates by {'webhook at ' + config.webhook.url if config.webhook else 'polling'}; API {config.api_url}",
    ]
    for gemeente in config.gemeenten:
        lines.append(f"{gemeente.code} {gemeente.name}: {count(len(gemeente.wijken), 'wijk', 'wijken')}, "
                     f"{count(sum(len(w.buurten) for w in gemeente.wijken), 'buurt', 'buurten')}, "
                     f"fallback desk {'yes' if gemeente.fallback_desk else 'NO'}")
        for wijk in gemeente.wijken:
            missing = []
            if not any(o.telegram_id for o in wijk.wijkagenten):
                pending = any(o.invite for o in wijk.wijkagenten)
                missing.append("wijkagent (invite not claimed)" if pending else "wijkagent")
            if not any(o.telegram_id for o in wijk.boa):
                missing.append("BOA")
            if not any(b.code in team_buurten for b in wijk.buurten):
                missing.append("team")
            if missing:
                lines.append(f"  {wijk.code} {wijk.name}: no {', no '.join(missing)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- warnings


def _ids(officers: tuple[Officer, ...]) -> list[int]:
    return [o.telegram_id for o in officers if o.telegram_id is not None]


def unreachable_categories(config: Config, gemeente: GemeenteConfig, wijk: WijkConfig) -> list[Category]:
    """The categories whose reports from this wijk would reach nobody in the config: no officer
    of a kind the routing table asks for, no team group in its buurten, and no fallback desk of
    the gemeente to catch them (routing sends to that desk when an officer is missing)."""
    if _ids(gemeente.fallback_desk):
        return []
    groups = any(team.groups and any(b.code in team.buurten for b in wijk.buurten) for team in config.teams)
    have = {
        RecipientKind.WIJKAGENT: bool(_ids(wijk.wijkagenten)),
        RecipientKind.BOA: bool(_ids(wijk.boa)),
        RecipientKind.CARE_DESK: bool(_ids(wijk.care_desk) or _ids(gemeente.care_desk)),
        RecipientKind.TEAM_GROUP: groups,
    }
    return [category for category, kinds in config.routing.items() if not any(have.get(kind) for kind in kinds)]


def warnings(config: Config, polygon_codes: set[str]) -> list[str]:
    """One WARN line per wijk whose reports (of some category) reach nobody, and per buurt
    without a polygon (a shared location there cannot be matched to it)."""
    lines = []
    for gemeente in config.gemeenten:
        for wijk in gemeente.wijken:
            if lost := unreachable_categories(config, gemeente, wijk):
                lines.append(f"WARN {wijk.code} {wijk.name}: reports of {', '.join(c.value for c in lost)} reach nobody"
                             " (no officer or team group for them, and no fallback desk in "
                             f"{gemeente.code} {gemeente.name})")
            for buurt in wijk.buurten:
                if buurt.code not in polygon_codes:
                    lines.append(f"WARN {buurt.code} {buurt.name}: no polygon (a shared location there cannot be "
                                 "matched; only typed addresses reach it)")
    return lines


# ---------------------------------------------------------------------------- --online


def configured_chats(config: Config) -> list[tuple[int, str]]:
    """Every Telegram id the config names, with what it is: officers, desks, coordinators and
    team groups."""
    found: dict[int, str] = {}
    for gemeente in config.gemeenten:
        for label, officers in (("fallback desk", gemeente.fallback_desk), ("backup desk", gemeente.backup_desk),
                                ("care desk", gemeente.care_desk)):
            for officer in officers:
                if officer.telegram_id is not None:
                    found.setdefault(officer.telegram_id, f"{gemeente.code} {label} {officer.name}".strip())
        for wijk in gemeente.wijken:
            for label, officers in (("wijkagent", wijk.wijkagenten), ("BOA", wijk.boa), ("care desk", wijk.care_desk)):
                for officer in officers:
                    if officer.telegram_id is not None:
                        found.setdefault(officer.telegram_id, f"{wijk.code} {label} {officer.name}".strip())
    for team in config.teams:
        for coordinator in team.coordinators:
            found.setdefault(coordinator, f"coordinator of {team.name}")
        for group in team.groups:
            found.setdefault(group, f"group of {team.name}")
    return sorted(found.items(), key=lambda item: item[1])


async def unreachable_chats(config: Config, token: str, http: httpx.AsyncClient) -> list[str]:
    """``getChat`` for every configured id: one line per id Telegram does not know or refuses
    (a wrong id, someone who never started the bot, a group the bot is not in)."""
    lines = []
    for chat_id, what in configured_chats(config):
        try:
            response = await http.post(f"{config.api_url}{token}/getChat", json={"chat_id": chat_id})
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            lines.append(f"UNREACHABLE {chat_id} ({what}): {type(error).__name__}")
            continue
        if not answer.get("ok"):
            lines.append(f"UNREACHABLE {chat_id} ({what}): {answer.get('description', response.status_code)}")
    return lines
