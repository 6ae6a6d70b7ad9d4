"""Who can be reached for an area: the in-memory snapshot that routing reads.

Built from the config (officers, desks) and SQLite (teams, linked groups, roles granted by
invite). Rebuilt whenever one of those changes, so routing itself never touches storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config.schema import Config, Officer
from bot.core.domain import Category, RecipientKind, Role

_KIND_OF_ROLE = {
    Role.WIJKAGENT: RecipientKind.WIJKAGENT,
    Role.BOA: RecipientKind.BOA,
    Role.CARE_DESK: RecipientKind.CARE_DESK,
}


@dataclass(frozen=True, slots=True)
class GroupContact:
    chat_id: int
    language: str


@dataclass(slots=True)
class Directory:
    routing: dict[Category, tuple[RecipientKind, ...]]
    # buurtcode → groups of the teams watching that buurt
    groups_by_buurt: dict[str, tuple[GroupContact, ...]] = field(default_factory=dict)
    # (kind, wijkcode or gemeentecode) → Telegram user ids
    officers: dict[tuple[RecipientKind, str], tuple[int, ...]] = field(default_factory=dict)
    fallback_desks: dict[str, tuple[int, ...]] = field(default_factory=dict)  # gemeentecode →
    backup_desks: dict[str, tuple[int, ...]] = field(default_factory=dict)  # gemeentecode →
    subscribers_by_buurt: dict[str, tuple[int, ...]] = field(default_factory=dict)
    walkers_by_buurt: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def officers_for(self, kind: RecipientKind, wijk_code: str, gemeente_code: str) -> tuple[int, ...]:
        """Officers of the wijk; a gemeente-wide holder of the role covers wijken without one."""
        return self.officers.get((kind, wijk_code)) or self.officers.get((kind, gemeente_code), ())


def _ids(officers: tuple[Officer, ...]) -> tuple[int, ...]:
    # Officers still to claim their invite cannot receive anything yet.
    return tuple(o.telegram_id for o in officers if o.telegram_id is not None)


def config_roles(config: Config) -> set[tuple[int, Role, str]]:
    """The roles the config file grants: officers per wijk and team coordinators."""
    wanted: set[tuple[int, Role, str]] = set()
    for gemeente in config.gemeenten:
        for officer_id in _ids(gemeente.care_desk):
            wanted.add((officer_id, Role.CARE_DESK, gemeente.code))
        for wijk in gemeente.wijken:
            for role, officers in (
                (Role.WIJKAGENT, wijk.wijkagenten),
                (Role.BOA, wijk.boa),
                (Role.CARE_DESK, wijk.care_desk),
            ):
                for officer_id in _ids(officers):
                    wanted.add((officer_id, role, wijk.code))
    return wanted


def build_directory(
    config: Config,
    *,
    groups_by_buurt: dict[str, list[tuple[int, str]]],
    role_holders: list[tuple[int, Role, str]],
    subscribers_by_buurt: dict[str, list[int]] | None = None,
    walkers_by_buurt: dict[str, list[int]] | None = None,
) -> Directory:
    officers: dict[tuple[RecipientKind, str], list[int]] = {}
    for telegram_id, role, scope in role_holders:
        kind = _KIND_OF_ROLE.get(role)
        if kind is None or not scope:
            continue
        holders = officers.setdefault((kind, scope), [])
        if telegram_id not in holders:
            holders.append(telegram_id)
    return Directory(
        routing=dict(config.routing),
        groups_by_buurt={
            buurt: tuple(GroupContact(chat_id, lang) for chat_id, lang in groups)
            for buurt, groups in groups_by_buurt.items()
        },
        officers={key: tuple(sorted(ids)) for key, ids in officers.items()},
        fallback_desks={g.code: _ids(g.fallback_desk) for g in config.gemeenten},
        backup_desks={g.code: _ids(g.backup_desk) or _ids(g.fallback_desk) for g in config.gemeenten},
        subscribers_by_buurt={k: tuple(v) for k, v in (subscribers_by_buurt or {}).items()},
        walkers_by_buurt={k: tuple(v) for k, v in (walkers_by_buurt or {}).items()},
    )
