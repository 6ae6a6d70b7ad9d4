"""The emulator answers like Telegram: PTB's real HTTP layer talks to it on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.app.runner import EXIT_CONFLICT, serve
from bot.emulator import Emulator, FloodLimits
from tests.conftest import test_config

USER, GROUP = 42, -1001234


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(limits=FloodLimits(enabled=False))
    await emu.start()
    emu.world.add_user(USER, "Anna", username="anna")
    emu.world.add_group(GROUP, "Buurtgroep", members={USER: "administrator"})
    yield emu
    await emu.stop()


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    b = Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url)
    await b.initialize()
    yield b
    await b.shutdown()


async def test_get_me_send_edit_pin(bot: Bot, emulator: Emulator) -> None:
    assert bot.username == "buurtwacht_bot"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ik kijk", callback_data="watch:1:look")]])
    message = await bot.send_message(GROUP, "<b>Alarm</b>", parse_mode="HTML", reply_markup=keyboard)
    assert message.chat.id == GROUP and message.text == "<b>Alarm</b>"
    edited = await bot.edit_message_text("Opgelost", chat_id=GROUP, message_id=message.message_id)
    assert isinstance(edited, object)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Opgelost", chat_id=GROUP, message_id=message.message_id)
    assert await bot.pin_chat_message(GROUP, message.message_id)
    sent = emulator.world.sent_to(GROUP)
    assert sent[0].text == "Opgelost" and sent[0].edits == 1 and sent[0].pinned
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "x")


async def test_photo_upload_and_file_download(bot: Bot, emulator: Emulator) -> None:
    message = await bot.send_photo(USER, photo=b"\x89PNG\r\n\x1a\nfake", caption="grafiek")
    assert message.photo and message.caption == "grafiek"
    file = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG\r\n\x1a\nfake"


async def test_long_poll_receives_injected_message(bot: Bot, emulator: Emulator) -> None:
    emulator.world.send_text(USER, "/start")
    updates = await bot.get_updates(timeout=5)
    assert updates[0].message is not None and updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"
    # Confirmed by the next offset: gone.
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_callback_query_round_trip(bot: Bot, emulator: Emulator) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    await bot.send_message(USER, "Vraag?", reply_markup=keyboard)
    query_id = emulator.world.press(USER, USER, "Ja")
    (update,) = await bot.get_updates(timeout=5)
    assert update.callback_query is not None and update.callback_query.data == "yes"
    await update.callback_query.answer("ok")
    assert emulator.world.answered_callbacks[query_id]["text"] == "ok"


async def test_blocked_user_and_kicked_bot_answer_403(bot: Bot, emulator: Emulator) -> None:
    emulator.world.block(USER)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER, "x")
    emulator.world.kick_bot(GROUP)
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(GROUP, "x")


async def test_migrated_group_answers_with_new_chat_id(bot: Bot, emulator: Emulator) -> None:
    new_id = emulator.world.migrate(GROUP)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(GROUP, "x")
    assert info.value.new_chat_id == new_id
    await bot.send_message(new_id, "x")


async def test_forced_429_5xx_and_dropped_connection(bot: Bot, emulator: Emulator) -> None:
    emulator.world.fail_next(1, kind="429", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    retry = info.value.retry_after
    assert (retry.total_seconds() if isinstance(retry, dt.timedelta) else retry) == 7
    emulator.world.fail_next(1, kind="5xx")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    emulator.world.fail_next(1, kind="drop", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    await bot.send_message(USER, "x")
    assert len(emulator.world.sent_to(USER)) == 1


async def test_flood_limits_per_chat_group_and_overall() -> None:
    now = [0.0]  # the emulator's clock stands still unless the test moves it
    emu = Emulator(limits=FloodLimits(time_scale=10.0), clock=lambda: now[0])
    await emu.start()
    try:
        world = emu.world
        world.add_user(USER, "Anna")
        world.add_group(GROUP, "G")
        bot = Bot(emu.token, base_url=emu.base_url)
        async with bot:
            for _ in range(5):  # a short burst in one private chat is fine
                await bot.send_message(USER, "x")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "x")
            for _ in range(20):
                await bot.send_message(GROUP, "x")
            with pytest.raises(RetryAfter):
                await bot.send_message(GROUP, "x")
            now[0] += 6.0  # a minute of emulated time at time_scale 10
            await bot.send_message(GROUP, "x")
            await bot.send_message(USER, "x")
            for i in range(30):  # overall: about 30 a second (emulated)
                world.add_user(1000 + i, "x")
            with pytest.raises(RetryAfter):
                for i in range(30):
                    await bot.send_message(1000 + i, "x")
            assert world.rate_limited == 3
    finally:
        await emu.stop()


async def test_paid_broadcast_has_its_own_rate() -> None:
    """allow_paid_broadcast: past the 30/s, up to the paid rate; each paid message counted."""
    now = [0.0]
    emu = Emulator(limits=FloodLimits(paid_per_second=100.0), clock=lambda: now[0])
    await emu.start()
    try:
        world = emu.world
        for i in range(150):
            world.add_user(1000 + i, "x")
        bot = Bot(emu.token, base_url=emu.base_url)
        async with bot:
            for i in range(30):  # the free 30 of this second
                await bot.send_message(1000 + i, "x")
            with pytest.raises(RetryAfter):
                await bot.send_message(1030, "x")
            for i in range(31, 131):  # paid: 100 more in the same second (1030 waits for its 429)
                await bot.send_message(1000 + i, "x", allow_paid_broadcast=True)
            with pytest.raises(RetryAfter):
                await bot.send_message(1131, "x", allow_paid_broadcast=True)
            assert (world.paid_sent, world.rate_limited) == (100, 2)
            now[0] += 1.0
            async with httpx.AsyncClient() as client:  # a JSON body says true, not "true"
                answer = await client.post(f"{emu.base_url}{emu.token}/sendMessage",
                                           json={"chat_id": 1140, "text": "x", "allow_paid_broadcast": True})
            assert answer.json()["ok"] and world.paid_sent == 101
    finally:
        await emu.stop()


async def test_unknown_token_and_method() -> None:
    emu = Emulator()
    await emu.start()
    try:
        async with httpx.AsyncClient() as client:
            bad = await client.post(f"http://127.0.0.1:{emu.port}/botWRONG/getMe")
            assert bad.status_code == 401 and bad.json()["ok"] is False
            missing = await client.post(f"{emu.base_url}{emu.token}/fooBar")
            assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            control = await client.post(f"http://127.0.0.1:{emu.port}/_control/text",
                                        json={"user_id": 5, "text": "hallo"})
            assert control.json()["ok"]
            updates = await client.post(f"{emu.base_url}{emu.token}/getUpdates", json={"timeout": 0})
            assert updates.json()["result"][0]["message"]["text"] == "hallo"
    finally:
        await emu.stop()


async def test_application_polls_the_emulator(emulator: Emulator) -> None:
    seen: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append(update.effective_message.text or "")
        await update.effective_message.reply_text("Welkom")

    app = (ApplicationBuilder().token(emulator.token).base_url(emulator.base_url)
           .base_file_url(emulator.base_file_url).build())
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        emulator.world.send_text(USER, "/start")
        await emulator.world.wait_for_messages(USER, 1)
        await app.updater.stop()
        await app.stop()
    assert seen == ["/start"] and emulator.world.texts(USER) == ["Welkom"]


async def test_two_long_polls_on_one_token_answer_409_conflict(emulator: Emulator) -> None:
    world = emulator.world
    url = f"{emulator.base_url}{emulator.token}/getUpdates"
    async with httpx.AsyncClient(timeout=10) as client:
        first = asyncio.create_task(client.post(url, json={"timeout": 5}))
        await world.wait_for(lambda: world.polling)
        second = asyncio.create_task(client.post(url, json={"timeout": 5}))
        answer = await first  # the waiting poll is ended by the new one, as Telegram does
        assert answer.status_code == 409
        assert answer.json() == {"ok": False, "error_code": 409, "description":
                                 "Conflict: terminated by other getUpdates request; make sure that only one "
                                 "bot instance is running"}
        await world.wait_for(lambda: world.polling)
        world.send_text(USER, "hallo")
        got = await second
        assert got.status_code == 200 and got.json()["result"][0]["message"]["text"] == "hallo"
    assert world.conflicts == 1


async def test_a_second_poller_stops_the_bot_with_one_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The real bot (bot.app.runner.serve) over HTTP: another process polling the same token."""
    emu = Emulator(limits=FloodLimits(enabled=False))
    await emu.start()
    try:
        config = test_config(tmp_path, api_url=emu.base_url, file_url=emu.base_file_url)
        started = asyncio.Event()
        caplog.set_level(logging.WARNING)
        bot = asyncio.create_task(serve(config, emu.token, started=started))
        await asyncio.wait_for(started.wait(), 30)
        await emu.world.wait_for(lambda: emu.world.polling)
        async with httpx.AsyncClient(timeout=10) as client:
            other = await client.post(f"{emu.base_url}{emu.token}/getUpdates", json={"timeout": 0})
        assert other.status_code in (200, 409)
        assert await asyncio.wait_for(bot, 30) == EXIT_CONFLICT
        assert emu.world.conflicts >= 1
        lines = [r for r in caplog.records if "409 Conflict" in r.getMessage()]
        assert len(lines) == 1 and lines[0].exc_info is None
        assert not [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], Conflict)]
    finally:
        await emu.stop()


async def test_early_retry_after_a_429_is_refused_and_counted() -> None:
    now = [100.0]
    emu = Emulator(limits=FloodLimits(time_scale=10.0), clock=lambda: now[0])
    await emu.start()
    try:
        world = emu.world
        world.add_user(USER, "Anna")
        world.fail_next(1, kind="429", retry_after=5, chat_id=USER)  # 5 emulated s = 0.5 s here
        async with Bot(emu.token, base_url=emu.base_url) as bot:
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "x")
            now[0] += 0.25  # too early: Telegram says "retry after" again
            with pytest.raises(RetryAfter) as again:
                await bot.send_message(USER, "x")
            retry = again.value.retry_after
            assert (retry.total_seconds() if isinstance(retry, dt.timedelta) else retry) == 3  # 2.5 s left
            now[0] += 0.25  # 0.5 s after the first 429: allowed
            await bot.send_message(USER, "x")
        records = [r for r in world.call_log if r.method == "sendMessage"]
        assert [(r.at, r.status, r.retry_after, r.early) for r in records] == [
            (100.0, 429, 5, False), (100.25, 429, 3, True), (100.5, 200, None, False)]
        assert world.early_retries == 1 and world.rate_limited == 2
        assert world.texts(USER) == ["x"]
    finally:
        await emu.stop()


async def test_4096_limit_counts_text_after_entity_parsing(bot: Bot, emulator: Emulator) -> None:
    """Telegram counts a message's length after parsing its entities: markup and escapes are free."""
    ampersands = "&amp;" * 4000  # 20 000 characters of HTML, 4 000 characters of text
    message = await bot.send_message(USER, f"<b>Alarm</b>\n{ampersands}", parse_mode="HTML")
    assert message.text is not None
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "<i>" + "&lt;" * 4097 + "</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "x" * 4097)
    edited = await bot.edit_message_text(f"<b>{ampersands}</b>", chat_id=USER, message_id=message.message_id,
                                         parse_mode="HTML")
    assert edited
    with pytest.raises(BadRequest, match="too long"):
        await bot.edit_message_text("y" * 4097, chat_id=USER, message_id=message.message_id)
