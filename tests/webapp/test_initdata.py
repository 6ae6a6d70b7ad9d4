"""initData as Telegram documents it: HMAC-SHA256 with the key derived from the bot token."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

import pytest

from bot.webapp.initdata import InitDataRefused, Refusal, init_data_for, validate

TOKEN = "123456:TEST-token-for-the-mini-app"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def telegram_sign(fields: dict[str, str], token: str) -> str:
    """Written out from Telegram's text, independently of bot.webapp.initdata."""
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(key=b"WebAppData", msg=token.encode(), digestmod=hashlib.sha256).digest()
    digest = hmac.new(key=secret, msg=check.encode(), digestmod=hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def fields_for(user_id: int, at: dt.datetime = NOW) -> dict[str, str]:
    return {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc", "auth_date": str(int(at.timestamp())),
            "user": json.dumps({"id": user_id, "first_name": "Anna", "language_code": "en"}),
            "signature": "abc_-DEF"}


def refusal(init_data: str | None, token: str = TOKEN, now: dt.datetime = NOW) -> Refusal:
    with pytest.raises(InitDataRefused) as info:
        validate(init_data, token, now=now, max_age=HOUR)
    return info.value.reason


def test_data_signed_as_telegram_documents_is_accepted() -> None:
    user = validate(telegram_sign(fields_for(4242), TOKEN), TOKEN, now=NOW, max_age=HOUR)
    assert (user.id, user.first_name, user.language_code) == (4242, "Anna", "en")


def test_our_own_signing_matches_telegrams() -> None:
    assert validate(init_data_for(7, TOKEN, at=NOW), TOKEN, now=NOW, max_age=HOUR).id == 7


def test_a_forged_hash_is_refused() -> None:
    signed = telegram_sign(fields_for(4242), TOKEN)
    forged = signed[:-1] + ("0" if signed[-1] != "0" else "1")
    assert refusal(forged) is Refusal.BAD_HASH


def test_data_signed_with_another_bots_token_is_refused() -> None:
    assert refusal(telegram_sign(fields_for(4242), "999:another-bot")) is Refusal.BAD_HASH


def test_another_user_put_into_signed_data_is_refused() -> None:
    """Someone keeps a valid hash and swaps in another user id: the signature no longer fits."""
    mine = fields_for(1111)
    signed = telegram_sign(mine, TOKEN)
    digest = signed.rsplit("hash=", 1)[1]
    theirs = {**mine, "user": json.dumps({"id": 2222, "first_name": "Anna", "language_code": "en"})}
    assert refusal(urlencode({**theirs, "hash": digest})) is Refusal.BAD_HASH


def test_expired_auth_date_is_refused() -> None:
    old = telegram_sign(fields_for(4242, at=NOW - HOUR - dt.timedelta(seconds=1)), TOKEN)
    assert refusal(old) is Refusal.EXPIRED
    just_in_time = telegram_sign(fields_for(4242, at=NOW - HOUR), TOKEN)
    assert validate(just_in_time, TOKEN, now=NOW, max_age=HOUR).id == 4242


def test_auth_date_far_in_the_future_is_refused() -> None:
    assert refusal(telegram_sign(fields_for(4242, at=NOW + dt.timedelta(hours=2)), TOKEN)) is Refusal.EXPIRED


@pytest.mark.parametrize("init_data, reason", [
    (None, Refusal.MISSING),
    ("", Refusal.MISSING),
    ("auth_date=1&hash=zz", Refusal.MALFORMED),
    ("no-equals-sign", Refusal.MALFORMED),
    ("a=1&" * 2000 + "hash=" + "0" * 64, Refusal.MALFORMED),
])
def test_malformed_data_is_refused(init_data: str | None, reason: Refusal) -> None:
    assert refusal(init_data) is reason


def test_a_field_given_twice_is_refused() -> None:
    signed = telegram_sign(fields_for(4242), TOKEN)
    assert refusal(signed + "&user=" + quote(json.dumps({"id": 1}))) is Refusal.MALFORMED


def test_signed_data_without_a_user_is_refused() -> None:
    fields = fields_for(4242)
    del fields["user"]
    assert refusal(telegram_sign(fields, TOKEN)) is Refusal.NO_USER
    fields["user"] = json.dumps({"id": "4242"})
    assert refusal(telegram_sign(fields, TOKEN)) is Refusal.NO_USER
