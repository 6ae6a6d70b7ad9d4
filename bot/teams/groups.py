"""Alert groups and blocked users coming and going: what changes, and who is told.

Both ways Telegram tells us a chat is gone end here: the my_chat_member update (the bot was
removed, a resident blocked it) and a 403 from the outbox sender. Either way the chat is
marked inactive, the routing directory is rebuilt at once (nothing more is routed there), and
for a group the team's coordinators are told so they can put the bot back.
"""

from __future__ import annotations

import logging

from bot.core import permissions
from bot.core.domain import Role
from bot.core.i18n import translator
from bot.runtime.services import Services
from storage import outbox, teams, users

log = logging.getLogger(__name__)


async def private_chat_unreachable(services: Services, telegram_id: int) -> None:
    """They blocked the bot: stop routing to them."""
    services.blocked.add(telegram_id)
    if await users.mark_inactive(services.db, telegram_id):
        log.info("a person blocked the bot; no longer routed to")
        await services.refresh_directory()


async def private_chat_back(services: Services, telegram_id: int) -> None:
    """They unblocked the bot (or wrote in private after blocking it): routed to again."""
    services.blocked.discard(telegram_id)
    if await users.reactivate(services.db, telegram_id):
        log.info("a person unblocked the bot; routed to again")
        await services.refresh_directory()


async def group_reachability(services: Services, chat_id: int, *, active: bool, title: str | None = None) -> bool:
    """The bot left/was removed from (``active=False``) or came back to a linked group.

    True when this changed the group's state; then the coordinators have been told."""
    group = await teams.get_group(services.db, chat_id)
    if group is None or not await teams.set_group_active(services.db, chat_id, active):
        return False
    log.info("a linked alert group became %s", "active" if active else "unreachable")
    await services.refresh_directory()
    await tell_coordinators(services, group.team_id, title or group.title or str(chat_id), removed=not active)
    return True


async def tell_coordinators(services: Services, team_id: int, title: str, *, removed: bool) -> None:
    coordinators = await users.holders_of_scope(services.db, Role.COORDINATOR, permissions.team_scope(team_id))
    languages = await users.languages(services.db, coordinators)
    async with services.db.transaction() as tx:
        for coordinator in coordinators:
            t = translator(languages.get(coordinator, services.config.language))
            text = (t.gettext("Buurtwacht is uit de groep {title} gehaald; die groep krijgt geen meldingen meer. "
                              "Voeg de bot opnieuw toe en stuur /koppel om dat te herstellen.")
                    if removed else t.gettext("Buurtwacht is weer toegevoegd aan {title}; de groep krijgt weer meldingen."))
            await outbox.enqueue(tx, coordinator, "sendMessage", {"text": text.format(title=title)},
                                 kind="notice", language=t.language, not_before=services.now())
    services.wake_sender()


async def chat_unreachable(services: Services, chat_id: int) -> None:
    """403: the user blocked the bot or the bot was removed from the group. Stop sending, stop
    routing there at once, and tell a group's coordinators (as the my_chat_member path does)."""
    if chat_id > 0:
        await private_chat_unreachable(services, chat_id)
    else:
        await group_reachability(services, chat_id, active=False)


async def group_migrated(services: Services, old_chat_id: int, new_chat_id: int) -> None:
    """The group became a supergroup (seen in the group, or as the sender's 400): the link, its
    tip settings, send log and queued messages follow it."""
    if await teams.migrate_group(services.db, old_chat_id, new_chat_id):
        await outbox.move_chat(services.db, old_chat_id, new_chat_id)
        await services.refresh_directory()
