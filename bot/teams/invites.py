"""One-time invites: a deep link scoped to a role and an area or team."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from bot.core.domain import Role
from bot.runtime.services import Services
from storage import invites, users

log = logging.getLogger(__name__)
DEFAULT_VALIDITY = dt.timedelta(days=7)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def is_token(payload: str) -> bool:
    """Whether a /start payload is an invite attempt (a token's shape; forged or not)."""
    return _TOKEN.fullmatch(payload) is not None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def deep_link(bot_username: str | None, payload: str | None = None) -> str:
    """The t.me link that opens the private chat with the bot; with ``payload`` (an invite
    token, or a fixed word such as "melding") that chat starts with ``/start <payload>``."""
    link = f"https://t.me/{bot_username}"
    return link if payload is None else f"{link}?start={payload}"


@dataclass(frozen=True, slots=True)
class NewInvite:
    token: str
    code: str
    expires_at: dt.datetime


async def create_invite(services: Services, role: Role, scope: str, *, created_by: int | None,
                        label: str | None = None, validity: dt.timedelta = DEFAULT_VALIDITY) -> NewInvite:
    token = secrets.token_urlsafe(24)  # 32 characters from [A-Za-z0-9_-]: a valid /start payload
    code = secrets.token_hex(3)
    now = services.now()
    await invites.create(services.db, token_hash=token_hash(token), code=code, role=role, scope=scope,
                         label=label, created_by=created_by, now=now, expires_at=now + validity)
    return NewInvite(token, code, now + validity)


class ClaimResult(StrEnum):
    GRANTED = "granted"
    ALREADY = "already"  # they already had that role
    UNKNOWN = "unknown"  # forged or mistyped
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


async def claim_invite(services: Services, token: str, telegram_id: int) -> tuple[ClaimResult, Role | None, str | None]:
    now = services.now()
    digest = token_hash(token)
    async with services.db.transaction() as tx:
        invite = await invites.by_hash(tx, digest)
        if invite is None:
            log.warning("refused an invite token that does not exist")
            return ClaimResult.UNKNOWN, None, None
        state = invite.state(now)
        if state != "open":
            log.warning("refused an invite that is %s", state)
            return ClaimResult(state), invite.role, invite.scope
        await invites.mark_used(tx, digest, telegram_id, now)
        added = await users.grant_role(tx, telegram_id, invite.role, invite.scope, granted_by=invite.created_by)
    await services.refresh_directory()
    return (ClaimResult.GRANTED if added else ClaimResult.ALREADY), invite.role, invite.scope
