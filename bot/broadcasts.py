"""Broadcasts: a coordinator's alarm to their teams, an officer's alert to an area.

A broadcast is prepared as a draft (the sender sees how many it will reach), then sent in one
transaction that writes every outbox row, then followed until the outbox has delivered it,
and finally ended ("opgelost"), which edits every message that went out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.domain import Point
from bot.i18n import N_, translator
from bot.services import Services
from storage import broadcasts, outbox, subscriptions, teams

KINDS = {
    "team_alarm": N_("Buurtalarm"),
    "missing_person": N_("Vermiste persoon"),
    "suspect_vehicle": N_("Verdacht voertuig"),
    "scam_wave": N_("Waarschuwing: oplichting"),
    "other": N_("Gebiedsalarm"),
}
KIND_WORDS = {"vermist": "missing_person", "voertuig": "suspect_vehicle", "auto": "suspect_vehicle",
              "oplichting": "scam_wave", "babbeltruc": "scam_wave", "anders": "other"}


@dataclass(frozen=True, slots=True)
class Audience:
    buurten: tuple[str, ...]
    groups: tuple[tuple[int, str], ...]  # (chat id, language)
    subscribers: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.groups) + len(self.subscribers)


def buurten_of_area(services: Services, code: str) -> list[str]:
    """Configured buurten inside a gemeente (GM…) or wijk (WK…)."""
    prefix = "BU" + code[2:6] if code.startswith("GM") else "BU" + code[2:8]
    return sorted(b for b in services.catalog.buurt_codes() if b.startswith(prefix))


def buurten_in_radius(services: Services, point: Point, radius_m: float) -> list[str]:
    return [b for b in services.locator.index.buurten_within(point, radius_m) if b in services.catalog]


async def buurten_of_teams(services: Services, team_ids: set[int]) -> list[str]:
    codes: set[str] = set()
    for team_id in team_ids:
        team = await teams.get_team(services.db, team_id)
        if team is not None:
            codes.update(team.buurten)
    return sorted(codes)


async def audience(services: Services, buurten: list[str], *, team_ids: set[int] | None = None) -> Audience:
    """Active groups of teams watching these buurten (or exactly these teams), and subscribers."""
    groups: dict[int, str] = {}
    if team_ids is not None:
        for team_id in sorted(team_ids):
            for group in await teams.groups_of_team(services.db, team_id):
                if group.active:
                    groups[group.chat_id] = group.language
    else:
        for code in buurten:
            for contact in services.directory.groups_by_buurt.get(code, ()):
                groups[contact.chat_id] = contact.language
    subscribers = await subscriptions.in_buurten(services.db, buurten)
    return Audience(tuple(buurten), tuple(sorted(groups.items())), tuple(subscribers))


def broadcast_text(language: str, kind: str, text: str, *, sender_role: str, ended: str | None = None) -> str:
    t = translator(language)
    title = t.gettext(KINDS.get(kind, KINDS["other"]))
    icon = "📣" if kind == "team_alarm" else "🚨"
    lines = []
    if ended:
        lines.append("✅ <b>" + ended + "</b>")
    lines += [f"{icon} <b>{html.escape(title)}</b>", "", html.escape(text), "",
              t.gettext("Afzender: {role}").format(role=html.escape(sender_role)),
              t.gettext("Zie je iets? Bel 112 bij gevaar, anders 0900-8844. Grijp niet zelf in.")]
    return "\n".join(lines)


async def send(services: Services, broadcast_id: int, *, sender_role: str) -> int:
    """Queue the broadcast for its whole audience in one transaction; returns the count."""
    draft = await broadcasts.get(services.db, broadcast_id)
    assert draft is not None
    team_ids = {int(x) for x in draft.scope[6:].split(",")} if draft.scope.startswith("teams:") else None
    who = await audience(services, list(draft.buurten), team_ids=team_ids)
    now = services.now()
    languages = {chat_id: lang for chat_id, lang in who.groups}
    async with services.db.transaction() as tx:
        current = await broadcasts.get(tx, broadcast_id)
        if current is None or current.status != "draft":
            return 0  # pressed twice: the first press sent it
        await broadcasts.set_status(tx, broadcast_id, "sending", now=now)
        for chat_id in [c for c, _ in who.groups] + list(who.subscribers):
            language = languages.get(chat_id, services.config.language)
            text = broadcast_text(language, draft.kind, draft.text, sender_role=sender_role)
            if draft.photo_file_id:
                method, payload = "sendPhoto", {"photo": draft.photo_file_id, "caption": text[:1024], "parse_mode": "HTML"}
            else:
                method, payload = "sendMessage", {"text": text, "parse_mode": "HTML"}
            await outbox.enqueue(tx, chat_id, method, payload, priority=outbox.PRIORITY_URGENT, kind="broadcast",
                                 language=language, broadcast_id=broadcast_id, not_before=now)
    services.wake_sender()
    return who.size


async def end(services: Services, broadcast_id: int, *, outcome: str, sender_role: str) -> int:
    """Edit every delivered message of the broadcast to show the outcome; returns edits queued."""
    draft = await broadcasts.get(services.db, broadcast_id)
    if draft is None or draft.status not in ("sending", "sent"):
        return 0
    now = services.now()
    rows = await outbox.broadcast_messages(services.db, broadcast_id)
    queued = 0
    async with services.db.transaction() as tx:
        await broadcasts.set_status(tx, broadcast_id, "ended", now=now, outcome=outcome)
        for row in rows:
            t = translator(row["language"])
            label = t.gettext("Opgelost") if outcome == "resolved" else t.gettext("Beëindigd")
            text = broadcast_text(row["language"], draft.kind, draft.text, sender_role=sender_role, ended=label)
            if row["method"] == "sendPhoto":
                method, payload = "editMessageCaption", {"caption": text[:1024], "parse_mode": "HTML"}
            else:
                method, payload = "editMessageText", {"text": text, "parse_mode": "HTML"}
            await outbox.enqueue(tx, row["chat_id"], method, payload, priority=outbox.PRIORITY_URGENT,
                                 kind="broadcast", language=row["language"], broadcast_id=broadcast_id,
                                 edit_of=row["id"], not_before=now)
            queued += 1
    services.wake_sender()
    return queued


async def progress(services: Services, broadcast_id: int) -> dict[str, int]:
    counts = await outbox.counts(services.db, broadcast_id=broadcast_id)
    return {
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0) + counts.get("dropped", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
    }
