"""Who writes to the bot: registered at first contact, their language, back after blocking.

Called once per update by the person-handler (handlers/context.py), before any feature's
handler: features then read the person's translator from the context instead of asking again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.domain import Role
from bot.core.i18n import supported
from bot.runtime.services import Services
from bot.teams.groups import private_chat_back
from storage import users


@dataclass(frozen=True, slots=True)
class Person:
    language: str
    private_chat: bool  # wrote to the bot in private: reminders and walk reports can reach them
    new: bool = False  # registered by this very update (a follow link then asks the language)


async def register(services: Services, user_id: int, *, language_code: str | None, full_name: str,
                   username: str | None, private: bool) -> Person:
    """The stored person, created on first contact. Only a private update proves they can be
    reached again after blocking the bot: a button pressed in a group says nothing about that."""
    stored = await users.get(services.db, user_id)
    if stored is None:
        stored = await users.ensure(
            services.db, user_id, language=supported(language_code) or services.config.language,
            display_name=full_name[:128], username=username, private_chat=private,
        )
        return Person(stored.language, stored.private_chat, new=True)
    elif private and (not stored.active or not stored.private_chat):
        if not stored.active:
            await private_chat_back(services, user_id)
        stored = await users.ensure(
            services.db, user_id, language=stored.language, display_name=full_name[:128],
            username=username, private_chat=private,
        )
    return Person(stored.language, stored.private_chat)


async def wrote_in_private(services: Services, user_id: int, *, known_private: bool) -> None:
    """A person whose language is already known wrote in private: remember that they can be
    written to, and that they are back if they had blocked the bot since."""
    if not known_private:
        await users.mark_private_chat(services.db, user_id)
    if user_id in services.blocked:
        # A 403 from the sender marked them inactive without touching the cached language.
        await private_chat_back(services, user_id)


async def roles(services: Services, user_id: int) -> set[Role]:
    """The roles someone holds, whatever their scope (/help lists each role's commands)."""
    return {role for role, _ in await users.roles_of(services.db, user_id)}


async def choose_language(services: Services, user_id: int, language: str) -> None:
    """/taal: the language the bot writes to this person in from now on."""
    await users.set_language(services.db, user_id, language)
