"""What coordinators, officers and groups read about teams, invites and alert groups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.domain import Role
from bot.core.i18n import N_, Translator
from bot.core.textsafety import clean_text
from bot.reports.texts import esc
from bot.teams.invites import ClaimResult

ROLE_NAMES = {
    Role.ADMIN: N_("beheerder"), Role.COORDINATOR: N_("coördinator"), Role.WIJKAGENT: N_("wijkagent"),
    Role.BOA: N_("wijk-BOA"), Role.CARE_DESK: N_("zorgloket"), Role.RESIDENT: N_("bewoner"),
}
INVITE_STATES = {"open": N_("open"), "used": N_("gebruikt"), "expired": N_("verlopen"), "revoked": N_("ingetrokken")}
TEAM_NAME_MAX = 80
MESSAGE_MAX = 4096


def role_name(t: Translator, role: Role) -> str:
    return t.gettext(ROLE_NAMES[role])


def team_label(t: Translator, name: str | None, team_id: int) -> str:
    """"team <name>", or "team <number>" for a team that no longer exists."""
    if name is not None:
        return t.gettext("team {name}").format(name=clean_text(name, TEAM_NAME_MAX))
    return t.gettext("team {number}").format(number=team_id)


def claim_answer(t: Translator, result: ClaimResult, role: Role | None, scope_label: str) -> str:
    """The answer to ``/start <invite token>``."""
    refusals = {
        ClaimResult.UNKNOWN: t.gettext("Deze uitnodiging bestaat niet. Vraag de afzender om een nieuwe link."),
        ClaimResult.EXPIRED: t.gettext("Deze uitnodiging is verlopen. Vraag de afzender om een nieuwe link."),
        ClaimResult.USED: t.gettext("Deze uitnodiging is al gebruikt. Een uitnodiging werkt maar één keer."),
        ClaimResult.REVOKED: t.gettext("Deze uitnodiging is ingetrokken."),
    }
    if result in refusals:
        return refusals[result]
    assert role is not None
    return t.gettext("Welkom! Je bent nu {role} voor {scope}.").format(role=role_name(t, role), scope=scope_label)


def group_rules(t: Translator) -> str:
    """The rules pinned in a group when it is linked to a team."""
    return "\n".join([
        "📌 <b>" + t.gettext("Spelregels van deze buurtpreventiegroep") + "</b>",
        "",
        "<b>S</b> — " + t.gettext("Signaleer: zie je iets verdachts, let goed op."),
        "<b>A</b> — " + t.gettext("Alarmeer: bel eerst 112 bij een verdachte situatie die nu gebeurt."),
        "<b>A</b> — " + t.gettext("App: meld het daarna hier, en zeg of 112 gebeld is."),
        "<b>R</b> — " + t.gettext("Reageer: kijk uit je raam of loop samen een rondje. Grijp nooit zelf in."),
        "",
        "• " + t.gettext("Alleen voor 18+ die hier wonen of werken."),
        "• " + t.gettext("Geen chatberichten, bedankjes of emoji: alleen actuele meldingen."),
        "• " + t.gettext("Geen foto's van personen; geen namen, adressen of telefoonnummers."),
        "• " + t.gettext("Beschrijf gedrag en kenmerken, nooit afkomst of huidskleur."),
        "• " + t.gettext("Neem nooit het recht in eigen hand."),
    ])


@dataclass(frozen=True, slots=True)
class GroupView:
    title: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class TeamView:
    """A team as /team shows it: its buurten by name, coordinators by name (None: not known
    yet) and its groups."""

    id: int
    name: str
    buurt_names: tuple[str, ...]
    coordinators: tuple[str | None, ...]
    groups: tuple[GroupView, ...]


def team_lines(t: Translator, team: TeamView) -> list[str]:
    """A team with its buurten, its coordinators by name and its groups by title (HTML)."""
    lines = [f"<b>{esc(team.name)}</b> ({t.gettext('nummer')} {team.id})"]
    lines.append(t.gettext("Buurten: {list}").format(list=", ".join(esc(name) for name in team.buurt_names)))
    count = len(team.coordinators)
    lines.append(t.ngettext("Coördinator ({n}):", "Coördinatoren ({n}):", count).format(n=count))
    for name in team.coordinators:
        lines.append("• " + esc(clean_text(name or t.gettext("(nog geen naam bekend)"), 64)))
    lines.append(t.ngettext("Groep ({n}):", "Groepen ({n}):", len(team.groups)).format(n=len(team.groups)))
    for group in team.groups:
        state = t.gettext("actief") if group.active else t.gettext("niet actief (bot verwijderd)")
        title = clean_text(group.title or "", 128) or t.gettext("(groep zonder naam)")
        lines.append(f"• {esc(title)} — {state}")
    if not team.groups:
        lines.append("• " + t.gettext("nog geen groep gekoppeld: /koppel {id} in de groep").format(id=team.id))
    return lines


def teams_text(t: Translator, teams: Iterable[TeamView]) -> str:
    """Every team's lines in one message, cut between lines (never inside an HTML tag)."""
    lines: list[str] = []
    for team in teams:
        lines += [*team_lines(t, team), ""]
    text = ""
    for line in lines:
        if len(text) + len(line) + 2 > MESSAGE_MAX:
            text += "…"
            break
        text += line + "\n"
    return text.strip()
