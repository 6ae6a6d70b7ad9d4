"""AVG/GDPR: export, erase, retention; abuse: report limits and mute."""

from __future__ import annotations

import datetime as dt
import json

from bot.privacy.rules import minutes_until_allowed
from storage import privacy, sightings
from tests.conftest import BotHarness
from tests.journeys import RESIDENT, submit_report

T0 = dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC)


async def file_report(h: BotHarness, reporter: int = RESIDENT, description: str | None = None) -> str:
    """A nuisance report (officers only, no group); the receipt."""
    return await submit_report(h, reporter=reporter, category="nuisance",
                               description=description or "Harde muziek uit nummer 14, al twee uur")


def test_minutes_until_allowed() -> None:
    recent = [T0 - dt.timedelta(minutes=m) for m in (50, 40, 30)]
    assert minutes_until_allowed(recent, now=T0, limit=4) is None
    assert minutes_until_allowed(recent, now=T0, limit=3) == 10
    assert minutes_until_allowed(recent, now=T0, limit=1) == 30
    assert minutes_until_allowed([T0 - dt.timedelta(minutes=61)], now=T0, limit=1) is None


async def test_export_contains_everything_about_the_person(harness: BotHarness) -> None:
    h = harness
    await file_report(h)
    await h.send(h.updates.message(RESIDENT, "/mijngegevens"))
    documents = h.request.sent(RESIDENT, "sendDocument")
    assert documents, "an export document is sent"
    data = await privacy.export_person(h.services.db, RESIDENT)
    assert data["users"][0]["telegram_id"] == RESIDENT
    assert data["sightings"][0]["description"].startswith("Harde muziek")
    assert json.dumps(data, default=str)


async def test_forget_me_erases_but_keeps_anonymous_reports(harness: BotHarness) -> None:
    h = harness
    confirmation = await file_report(h)
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    await h.send(h.updates.message(RESIDENT, "/vergeetmij"))
    assert "Weet je het zeker" in h.request.last_text(RESIDENT)
    await h.send(h.updates.callback(RESIDENT, "forget:yes"))
    assert "gewist" in h.request.last_text(RESIDENT)
    data = await privacy.export_person(h.services.db, RESIDENT)
    assert data["users"] == [] and data["sightings"] == []
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None and kept.reporter_id is None
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM audit_log WHERE subject = ?", (f"user:{RESIDENT}",))
    assert row is not None and row[0] == 0


async def test_forget_me_needs_confirmation(harness: BotHarness) -> None:
    h = harness
    await file_report(h)
    await h.send(h.updates.message(RESIDENT, "/vergeetmij"))
    await h.send(h.updates.callback(RESIDENT, "forget:no"))
    assert "niets gewist" in h.request.last_text(RESIDENT)
    assert (await privacy.export_person(h.services.db, RESIDENT))["users"]


async def test_retention_erases_personal_data_and_keeps_counts(harness: BotHarness) -> None:
    h = harness
    confirmation = await file_report(h)
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    await h.deliver()
    counts = await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=89), retention_days=90)
    assert counts["sightings"] == 0
    counts = await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=91), retention_days=90)
    assert counts["sightings"] == 1
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None
    assert kept.reporter_id is None and kept.description == "" and kept.point is None
    assert kept.category.value == "nuisance" and kept.area.buurt_code == "BU07941000"
    leftover = await h.services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%muziek%'")
    assert leftover is not None and leftover[0] == 0


async def test_report_limit_says_when_to_try_again(harness: BotHarness, config, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.config.schema import Config, LimitsConfig
    from tests.conftest import make_harness

    limited = Config(**{**{f: getattr(config, f) for f in config.__dataclass_fields__},
                        "limits": LimitsConfig(reports_per_hour=2)})
    async with make_harness(limited, clock) as h:
        for _ in range(2):
            assert "Ontvangen" in await file_report(h)
            h.clock.advance(minutes=10)
        await h.send(h.updates.message(RESIDENT, "/melding"))
        assert "over 40 minuten opnieuw" in h.request.last_text(RESIDENT)
        h.clock.advance(minutes=41)
        assert "Ontvangen" in await file_report(h)


async def test_muted_user_gets_a_neutral_answer(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/demp 100002 24"))  # a resident may not mute
    assert "alleen" in h.request.last_text(RESIDENT)
    assert "Ontvangen" in await submit_report(h, reporter=100002)  # in the wijkagent's wijk
    await h.send(h.updates.message(200010, "/demp 100002 24"))  # the wijkagent may
    assert "Gedempt" in h.request.last_text(200010)
    await h.send(h.updates.message(100002, "/melding"))
    reply = h.request.last_text(100002)
    assert "geen melding maken" in reply and "112" in reply
    h.clock.advance(hours=25)
    await h.send(h.updates.message(100002, "/melding"))
    assert "Wat wil je melden" in h.request.last_text(100002)


async def muted(h: BotHarness, telegram_id: int) -> bool:
    from bot.privacy.rules import is_muted
    from storage import users

    user = await users.get(h.services.db, telegram_id)
    return user is not None and is_muted(user.muted_until, h.clock())


async def test_only_an_admin_mutes_someone_with_a_duty_role(harness: BotHarness) -> None:
    from bot.core.domain import Role
    from storage import users

    h = harness
    await h.send(h.updates.message(500001, "/demp 200010 24"))  # a coordinator tries to mute the wijkagent
    assert "alleen door een beheerder" in h.request.last_text(500001)
    assert not await muted(h, 200010)
    await h.send(h.updates.message(200010, "/demp 500001 24"))  # and the wijkagent the coordinator
    assert "alleen door een beheerder" in h.request.last_text(200010)
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, 700001, Role.ADMIN, "GM0794", granted_by=None)
    await h.send(h.updates.message(700001, "/demp 500001 24"))
    assert "Gedempt" in h.request.last_text(700001)
    assert await muted(h, 500001)


# --- issue 7 audit: erasure and export cover every table that points at a person ------------

GROUP = -1001000000010
WIJKAGENT = 200010
NEIGHBOUR = 100002


def local(*args: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/Amsterdam"))


async def file_alert(h: BotHarness, reporter: int) -> None:
    """A report that goes to the team group too (a suspicious person, 112 already called)."""
    await submit_report(h, reporter=reporter)


async def outbox_mentions(h: BotHarness, needle: str) -> int:
    row = await h.services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE payload LIKE ?", (f"%{needle}%",))
    assert row is not None
    return int(row[0])


async def test_erased_person_gets_no_more_tips(harness: BotHarness) -> None:
    from bot.tips.service import run_tips_tick
    from storage import tips as store

    h = harness
    await h.send(h.updates.message(RESIDENT, "/tips"))
    h.clock.now = local(2026, 11, 24, 19, 1).astimezone(dt.UTC)  # Tuesday 19:01, the default
    await run_tips_tick(h.services)
    await h.deliver()
    assert any(t.startswith("💡") for t in h.request.texts(RESIDENT)), "the schedule works before erasure"
    exported = await privacy.export_person(h.services.db, RESIDENT)
    assert exported["tip_schedules"][0]["chat_id"] == RESIDENT
    assert exported["send_log"] and exported["send_log"][0]["kind"] == "tip"

    await h.send(h.updates.message(RESIDENT, "/vergeetmij"))
    await h.send(h.updates.callback(RESIDENT, "forget:yes"))
    assert await store.get(h.services.db, RESIDENT) is None
    gone = await privacy.export_person(h.services.db, RESIDENT)
    assert gone["tip_schedules"] == [] and gone["send_log"] == []
    h.request.clear()
    for day in (1, 8):  # the next two Tuesdays
        h.clock.now = local(2026, 12, day, 19, 1).astimezone(dt.UTC)
        await run_tips_tick(h.services)
        await h.deliver()
    assert h.request.sent(RESIDENT) == []


async def test_a_tips_round_under_way_sends_nothing_to_someone_erased_meanwhile(harness: BotHarness) -> None:
    """The round read the schedules before /vergeetmij committed: the send log refuses the send."""
    from storage import tips as store

    h = harness
    await h.send(h.updates.message(RESIDENT, "/tips"))
    schedules = [s for s, _, _ in await store.active(h.services.db) if s.chat_id == RESIDENT]
    assert schedules
    await privacy.erase_person(h.services.db, RESIDENT, now=h.clock())
    async with h.services.db.transaction() as tx:
        logged = await store.log_send(tx, "tip:late", RESIDENT, "tip", "x", h.clock(), "sent", h.clock())
    assert logged is False


async def test_a_schedule_of_nobody_known_is_not_active(harness: BotHarness) -> None:
    from storage import tips as store

    h = harness
    await store.ensure(h.services.db, 100777, "resident", h.clock())  # no user row, no subscription
    assert all(s.chat_id != 100777 for s, _, _ in await store.active(h.services.db))


async def test_watch_responses_are_exported_and_erased(harness: BotHarness) -> None:
    h = harness
    await file_alert(h, NEIGHBOUR)
    await h.deliver()
    incident = await h.services.db.fetchone("SELECT incident_id FROM outbox WHERE chat_id = ? LIMIT 1", (GROUP,))
    assert incident is not None
    await h.send(h.updates.callback(RESIDENT, f"watch:{incident[0]}:look", chat_id=GROUP))
    exported = await privacy.export_person(h.services.db, RESIDENT)
    assert [(r["kind"], r["first_name"]) for r in exported["watch_responses"]] == [("look", "Bewoner100001")]
    await privacy.erase_person(h.services.db, RESIDENT, now=h.clock())
    left = await h.services.db.fetchone("SELECT COUNT(*) FROM watch_responses WHERE user_id = ?", (RESIDENT,))
    assert left is not None and left[0] == 0


async def test_erasure_takes_the_reporter_name_out_of_officer_messages(harness: BotHarness) -> None:
    h = harness
    confirmation = await file_report(h, description="Harde muziek uit nummer 14, al twee uur")
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    await h.deliver()
    assert "Bewoner100001 (@user100001)" in h.request.last_text(WIJKAGENT)
    assert await outbox_mentions(h, "user100001") > 0
    counts = await privacy.erase_person(h.services.db, RESIDENT, now=h.clock())
    assert counts["reporter_names_removed"] >= 1
    assert await outbox_mentions(h, "user100001") == 0 and await outbox_mentions(h, "Bewoner100001") == 0
    # The report itself stays, for the officer and the group, without its reporter.
    row = await h.services.db.fetchone(
        "SELECT payload FROM outbox WHERE chat_id = ? AND method = 'sendMessage' ORDER BY id LIMIT 1", (WIJKAGENT,))
    assert row is not None
    officer_text = json.loads(row[0])["text"]
    assert reference in officer_text and "Harde muziek" in officer_text and "Melder" not in officer_text
    assert await outbox_mentions(h, "Harde muziek") >= 2  # group and officer copies kept


async def test_erasure_before_delivery_sends_the_officer_no_name(harness: BotHarness) -> None:
    h = harness
    await file_report(h)
    await privacy.erase_person(h.services.db, RESIDENT, now=h.clock())
    await h.deliver()
    officer_text = h.request.last_text(WIJKAGENT)
    assert "Harde muziek" in officer_text
    assert "Bewoner100001" not in officer_text and "user100001" not in officer_text


def test_strip_reporter_line_keeps_descriptions_that_start_with_the_word() -> None:
    from bot.core.textsafety import strip_reporter_line

    text = "<b>Overlast</b>\n\nMelder: buurman zegt dat het al weken zo is\n\nReferentie: M-2026-00001\n" \
           "Melder: Jan (@jan)\n🗺 51.47947, 5.66212"
    stripped = strip_reporter_line(text, "nl")
    assert "Jan (@jan)" not in stripped and "buurman zegt" in stripped and "🗺" in stripped
    english = "Nuisance\n\nReference: M-2026-00001\nReporter: Jan (@jan)"
    assert "Jan" not in strip_reporter_line(english, "nl")  # the stored language may be off


async def test_officer_erasure_keeps_broadcasts_and_invites_without_the_link(harness: BotHarness) -> None:
    from bot.core.domain import Role
    from bot.teams.invites import ClaimResult, claim_invite, create_invite
    from storage import broadcasts, invites

    h = harness
    officer = 200077
    await h.send(h.updates.message(officer, "/start"))
    invite = await create_invite(h.services, Role.WIJKAGENT, "WK079410", created_by=None, label="test")
    assert (await claim_invite(h.services, invite.token, officer))[0] is ClaimResult.GRANTED
    own = await create_invite(h.services, Role.COORDINATOR, "team:1", created_by=officer)
    broadcast_id = await broadcasts.create_draft(
        h.services.db, sender_id=officer, kind="other", scope="WK079410", text="Let op: nepcollectanten",
        photo_file_id=None, buurten=["BU07941000"], now=h.clock())
    await broadcasts.set_progress_message(h.services.db, broadcast_id, officer, 55)

    exported = await privacy.export_person(h.services.db, officer)
    assert [r["text"] for r in exported["broadcasts_sent"]] == ["Let op: nepcollectanten"]
    assert [r["code"] for r in exported["invites_used"]] == [invite.code]
    assert [r["code"] for r in exported["invites_created"]] == [own.code]
    assert "token_hash" not in exported["invites_used"][0]
    assert exported["roles"][0]["role"] == "wijkagent"

    await h.send(h.updates.message(officer, "/vergeetmij"))
    await h.send(h.updates.callback(officer, "forget:yes"))
    kept = await broadcasts.get(h.services.db, broadcast_id)
    assert kept is not None and kept.text == "Let op: nepcollectanten"
    assert kept.sender_id is None and kept.progress_chat_id is None
    used = await invites.get_by_code(h.services.db, invite.code)
    assert used is not None and used.used_by is None and used.state(h.clock()) == "used"
    # An unlinked invite is still spent: the old token cannot be claimed again.
    assert (await claim_invite(h.services, invite.token, 100003))[0] is ClaimResult.USED
    created = await invites.get_by_code(h.services.db, own.code)
    assert created is not None and created.created_by is None
    after = await privacy.export_person(h.services.db, officer)
    assert all(after[key] == [] for key in ("users", "roles", "broadcasts_sent", "invites_used", "invites_created"))


async def test_erasing_yourself_does_not_lift_a_mute(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(NEIGHBOUR, "/start"))
    assert "Ontvangen" in await submit_report(h, reporter=NEIGHBOUR)  # in the wijkagent's wijk
    await h.send(h.updates.message(WIJKAGENT, f"/demp {NEIGHBOUR} 24"))
    await h.send(h.updates.message(NEIGHBOUR, "/vergeetmij"))
    await h.send(h.updates.callback(NEIGHBOUR, "forget:yes"))
    exported = await privacy.export_person(h.services.db, NEIGHBOUR)
    assert [(r["display_name"], r["username"]) for r in exported["users"]] == [(None, None)]
    await h.send(h.updates.message(NEIGHBOUR, "/melding"))
    assert "geen melding maken" in h.request.last_text(NEIGHBOUR)


async def test_retention_drops_old_geocoder_answers(harness: BotHarness) -> None:
    from storage import geocache

    h = harness
    await geocache.put(h.services.db, "adres:5701RK:12:", {"x": 1}, now=h.clock())
    # A typed address stays in the cache no longer than an exact point is kept (a day by default).
    await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(hours=23), retention_days=90)
    assert await h.services.db.fetchone("SELECT 1 FROM geocache") is not None
    counts = await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(hours=25), retention_days=90)
    assert counts["geocache"] == 1


async def test_outside_every_area_the_typed_address_is_not_cached(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config.schema import PdokConfig
    from bot.geo.locate import Outcome
    from storage import geocache
    from tests.conftest import FakeClock, make_harness, test_config
    from tests.geo.test_geo import Pdok, envelope, no_sleep, pdok_doc

    amsterdam = pdok_doc(gemeentecode="0363", gemeentenaam="Amsterdam", wijkcode="WK036300", buurtcode="BU03630000",
                         postcode="1012JS", straatnaam="Dam", huisnummer=1)
    pdok = Pdok((200, envelope(amsterdam)))
    clock = FakeClock(T0)
    config = test_config(tmp_path, pdok=PdokConfig(enabled=True))
    async with make_harness(config, clock, http=pdok.client()) as h:
        h.services.locator.pdok.sleep = no_sleep  # type: ignore[union-attr]
        assert (await h.services.locator.locate_text("1012 JS 1")).outcome is Outcome.OUTSIDE
        assert (await h.services.locator.locate_text("Dam 1 Amsterdam")).outcome is Outcome.OUTSIDE
        assert await h.services.db.fetchall("SELECT query FROM geocache") == []
        # An answer cached before this rule is removed the first time it is read.
        await geocache.put(h.services.db, "adres:1012JS:1:", amsterdam_json(amsterdam), now=clock())
        assert (await h.services.locator.locate_text("1012 JS 1")).outcome is Outcome.OUTSIDE
        assert await h.services.db.fetchall("SELECT query FROM geocache") == []
        # Inside an area the answer is kept, as before; free text that finds nothing is not.
        pdok.answers = [(200, envelope(pdok_doc()))]
        assert (await h.services.locator.locate_text("5701 RK 12")).outcome is Outcome.FOUND
        pdok.answers = [(200, envelope())]
        assert (await h.services.locator.locate_text("Nergensstraat 1 Nergens")).outcome is Outcome.NOT_FOUND
        rows = [r[0] for r in await h.services.db.fetchall("SELECT query FROM geocache")]
        assert rows == ["adres:5701RK:12:"]


def amsterdam_json(doc: dict[str, object]) -> dict[str, object]:
    from bot.geo.pdok import parse_doc

    return parse_doc(doc).to_json()


async def test_retention_also_reaches_reports_of_people_who_were_forgotten(harness: BotHarness) -> None:
    """/vergeetmij unlinks the reporter at once; text, photo and place of the report still go
    when the retention period ends, and the exact point after a day."""
    h = harness
    confirmation = await file_report(h)
    reference = confirmation.split("referentie is ")[1].split(".")[0]
    await h.deliver()
    await privacy.erase_person(h.services.db, RESIDENT, now=h.clock())
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None and kept.reporter_id is None and kept.description
    await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(hours=25), retention_days=90)
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None and kept.point is None and kept.description  # the point is reduced to the buurt
    counts = await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=91), retention_days=90)
    assert counts["sightings"] == 1
    kept = await sightings.by_reference(h.services.db, reference)
    assert kept is not None and not kept.description and kept.area.buurt_code == "BU07941000"


async def test_retention_forgets_who_went_to_look(harness: BotHarness) -> None:
    from storage import watch

    h = harness
    await file_report(h)
    await h.deliver()
    incident = await h.services.db.fetchone("SELECT id FROM incidents")
    assert incident is not None
    await watch.record(h.services.db, incident[0], GROUP, 600001, "Buur", "look", now=h.clock())
    assert await watch.lookers(h.services.db, incident[0]) == [600001]
    await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=89), retention_days=90)
    assert await watch.lookers(h.services.db, incident[0]) == [600001]
    await privacy.apply_retention(h.services.db, now=h.clock() + dt.timedelta(days=91), retention_days=90)
    assert await watch.lookers(h.services.db, incident[0]) == []


async def test_muted_while_at_the_summary_the_report_is_not_sent_and_the_draft_stays(harness: BotHarness) -> None:
    """The mute is read again in the report's own transaction when *Versturen* is pressed."""
    from storage import drafts
    from tests.journeys import report_until_confirm

    h = harness
    assert "Ontvangen" in await submit_report(h, reporter=100002)  # in the wijkagent's wijk: may be muted
    await report_until_confirm(h, reporter=100002)
    await h.send(h.updates.message(200010, "/demp 100002 24"))
    assert "Gedempt" in h.request.last_text(200010)
    await h.send(h.updates.callback(100002, "rep:confirm"))
    reply = h.request.last_text(100002)
    assert "geen melding maken" in reply and "Ontvangen" not in reply
    stored = await h.services.db.fetchone("SELECT COUNT(*) FROM sightings")
    assert stored is not None and stored[0] == 1  # the first report only
    assert await drafts.load(h.services.db, 100002) is not None
    h.clock.advance(hours=25)
    await h.send(h.updates.callback(100002, "rep:confirm"))
    assert "Ontvangen" in h.request.last_text(100002)
