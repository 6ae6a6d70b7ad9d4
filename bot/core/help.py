"""What /help says: the resident's commands for everyone, then those of each role a person holds.

Which lines a role gets follows the permission rules themselves (bot.core.permissions, bot.insight.rules),
so the help never offers a command that would then be refused: the care desk, for one, sees
no /gebiedsalarm and no /demp.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.domain import OFFICER_ROLES, Role
from bot.core.i18n import N_, Translator
from bot.core.permissions import AREA_ALERT_ROLES, MUTER_ROLES, OVERVIEW_ROLES

RESIDENT_LINES = (
    # Translators: keep a command's Dutch name or use its English alias (/melding or /report).
    N_("/melding — iets melden in je buurt"),
    N_("/annuleer — stop wat je aan het doen bent"),
    N_("/abonneer <postcode> <huisnummer> — volg de buurtalarmen van je buurt"),
    N_("/opzeggen — stop met het volgen van je buurt"),
    N_("/tips — wanneer en welke preventietips je krijgt"),
    N_("/taal — kies je taal"),
    N_("/mijngegevens — wat Buurtwacht van je bewaart"),
    N_("/vergeetmij — wis je gegevens"),
)
ALARM_LINE = N_("/alarm <tekst> — een buurtalarm aan de groepen en volgers van je teams")
AREA_ALERT_LINE = N_("/gebiedsalarm <WK… of GM…> [soort] <tekst> — een gebiedsalarm, ook met foto of "
                     "als straal: /gebiedsalarm straal <breedte> <lengte> <meters> <tekst>")
OVERVIEW_LINE = N_("/overzicht — cijfers over de meldingen in je gebied")
DESK_LINE = N_("/meldingen — de open meldingen in je gebied, met wie ze oppakte")
MAP_LINE = N_("/kaart — je gebied op een kaart: open meldingen en cijfers per buurt")
MUTE_LINE = N_("/demp <telegram-id> [uren] — iemand tijdelijk dempen")
OWN_TIP_LINE = N_("/tip nieuw <thema> <tekst> — een eigen preventietip")
CLOSE_LINE = N_("/afsluiten <referentie> opgelost|vals — een alarm beëindigen")
FLYER_LINE = N_("/flyer [teamnummer of buurtcode] — een A4-flyer met QR-code om je buurt te laten volgen")
COORDINATOR_LINES = (
    N_("/team — je teams; /team nieuw <naam>; <buurten> maakt een team"),
    N_("/koppel <teamnummer> — in jullie groep: koppel de groep aan je team"),
    ALARM_LINE,
    N_("/ronde nieuw <datum> <tijd> <route> — plan een loopronde"),
    N_("/rondes — de geplande looprondes van je team"),
    OWN_TIP_LINE,
    N_("/reacties <referentie> — wie in je groep reageerde op een melding"),
    N_("/uitnodigen coordinator <teamnummer> — nodig een medecoördinator uit"),
    FLYER_LINE,
)
ADMIN_LINES = (
    N_("/uitnodigen <rol> <GM…, WK… of teamnummer> [naam] — een eenmalige uitnodiging voor een rol"),
    N_("/uitnodigingen — je uitnodigingen en hoe het ermee staat"),
    N_("/intrekken <code> — een uitnodiging, of de rol die zij gaf, intrekken"),
    OWN_TIP_LINE,
    FLYER_LINE,
)
# The labels of the buttons under a routed report (bot.reports.officer_buttons.officer_keyboard uses them).
TAKE_BUTTON = N_("🙋 Ik pak dit op")
DONE_BUTTON = N_("✅ Afgerond")
NO_ACTION_BUTTON = N_("➖ Geen actie nodig")
FALSE_ALARM_BUTTON = N_("⚠️ Vals alarm")
ASK_BUTTON = N_("❓ Vraag aan melder")
HAND_OVER_BUTTON = N_("🔁 Overdragen")
OFFICER_BUTTONS = (TAKE_BUTTON, DONE_BUTTON, NO_ACTION_BUTTON, FALSE_ALARM_BUTTON, ASK_BUTTON, HAND_OVER_BUTTON)
BUTTONS_LINE = N_("Knoppen onder een melding: {buttons}")


def help_lines(t: Translator, roles: Iterable[Role]) -> list[str]:
    """The lines of /help for someone holding ``roles`` (e.g. ``{role for role, _ in grants}``).

    Plain text (no HTML), one command per line; a blank line and a heading before each role's
    part, the 112 reminder last. A command that two roles share is listed once, under the first."""
    held = set(roles)
    sections: list[tuple[str | None, list[str]]] = [(None, list(RESIDENT_LINES))]
    if Role.COORDINATOR in held:
        sections.append((N_("Als coördinator:"), [*COORDINATOR_LINES, DESK_LINE, MAP_LINE, OVERVIEW_LINE, MUTE_LINE,
                                                 CLOSE_LINE]))
    if held & OFFICER_ROLES:
        officer = [AREA_ALERT_LINE] if held & (AREA_ALERT_ROLES - {Role.ADMIN}) else []
        officer += [OVERVIEW_LINE] if held & set(OVERVIEW_ROLES) else []
        officer += [MUTE_LINE] if held & MUTER_ROLES else []
        sections.append((N_("Als wijkagent, BOA of zorgloket:"), [DESK_LINE, MAP_LINE, *officer, CLOSE_LINE, BUTTONS_LINE]))
    if Role.ADMIN in held:
        sections.append((N_("Als beheerder:"), [*ADMIN_LINES, DESK_LINE, MAP_LINE, AREA_ALERT_LINE, OVERVIEW_LINE, MUTE_LINE]))

    lines: list[str] = []
    shown: set[str] = set()
    for heading, entries in sections:
        fresh = [entry for entry in entries if entry not in shown]
        shown.update(fresh)
        if not fresh:
            continue
        if heading is not None:
            lines += ["", t.gettext(heading)]
        lines += [_render(t, entry) for entry in fresh]
    lines += ["", "🚨 " + t.gettext("Bij gevaar: bel 112.")]
    return lines


def _render(t: Translator, entry: str) -> str:
    if entry == BUTTONS_LINE:
        return t.gettext(BUTTONS_LINE).format(buttons=" · ".join(t.gettext(label) for label in OFFICER_BUTTONS))
    return t.gettext(entry)
