"""A scope that is not one (issue 18, item 11): ``admin invite --scope ²`` or a 20-digit team
number used to be stored, and every later command of the person who claimed the invite failed
with an unhandled error. Such scopes cannot be stored now, and one stored before is ignored."""

from __future__ import annotations

import logging

import pytest

from bot.core import permissions
from bot.core.domain import Role
from storage import invites, users
from storage.db import to_db_time
from tests.conftest import BotHarness

HOLDER = 910001
BAD_SCOPES = ["team:²", "team:١٢", "team:12345678901234567890", "team:", "team:-1", "team:0", "GM٠٧٩٤", "gm0794",
              "BU07941000", "", "team:1 "]


@pytest.mark.parametrize("scope", BAD_SCOPES)
def test_what_is_not_a_scope(scope: str) -> None:
    assert not permissions.is_scope(scope)
    assert permissions.team_of_scope(scope) is None
    assert permissions.coordinated_teams([(Role.COORDINATOR, scope), (Role.COORDINATOR, "team:3")]) == {3}


def test_what_is_a_scope() -> None:
    for scope in ("GM0794", "WK079411", "team:1", "team:123456789012345678"):
        assert permissions.is_scope(scope), scope
    assert permissions.team_of_scope(permissions.team_scope(42)) == 42


@pytest.mark.parametrize("scope", ["team:²", "team:12345678901234567890", "GM٠٧٩٤"])
async def test_storage_refuses_to_store_a_scope_that_is_not_one(harness: BotHarness, scope: str) -> None:
    db = harness.services.db
    with pytest.raises(ValueError, match="not a scope"):
        async with db.transaction() as tx:
            await users.grant_role(tx, HOLDER, Role.COORDINATOR, scope, granted_by=None)
    now = harness.clock()
    with pytest.raises(ValueError, match="not a scope"):
        await invites.create(db, token_hash="x" * 64, code="abc123", role=Role.COORDINATOR, scope=scope, label=None,
                             created_by=None, now=now, expires_at=now)
    for table in ("roles", "invites"):
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE scope = ?", (scope,))
        assert row is not None and row[0] == 0


COMMANDS = ["/help", "/start", "/meldingen", "/team", "/team 1", "/overzicht", "/kaart", "/uitnodigingen",
            "/uitnodigen coordinator 1", "/tips", "/tip", "/alarm", "/gebiedsalarm", "/rondes", "/reacties",
            "/demp 100001", "/mijngegevens", "/abonneer"]


async def test_a_scope_stored_before_is_ignored_in_every_command(harness: BotHarness,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    async with h.services.db.transaction() as tx:  # as an older version stored them
        for scope in ("team:²", "team:12345678901234567890", "team:١٢"):
            await tx.execute("INSERT INTO roles (telegram_id, role, scope, granted_by, granted_at, source)"
                             " VALUES (?, 'coordinator', ?, NULL, ?, 'invite')", (HOLDER, scope, to_db_time(h.clock())))
            await tx.execute(
                "INSERT INTO invites (token_hash, code, role, scope, label, created_by, created_at, expires_at)"
                " VALUES (?, ?, 'coordinator', ?, NULL, ?, ?, ?)",
                (scope.encode().hex().ljust(64, "0"), scope.encode().hex()[-6:], scope, HOLDER,
                 to_db_time(h.clock()), to_db_time(h.clock())))
    await h.services.refresh_directory()
    caplog.set_level(logging.INFO)
    for command in COMMANDS:
        h.request.clear()
        await h.send(h.updates.message(HOLDER, command))
        assert h.request.sent(HOLDER), command  # an answer, whatever it says
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], (command, errors)
