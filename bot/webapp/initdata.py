"""Who is asking: the Mini App's ``initData``, validated as Telegram documents it.

Telegram signs the query string it hands the Mini App ("Validating data received via the Mini
App", core.telegram.org/bots/webapps):

    data_check_string = every received field except ``hash``, sorted by key, as key=<value>,
                        joined with "\\n" (values URL-decoded)
    secret_key        = HMAC_SHA256(key="WebAppData", msg=bot_token)
    valid             ⇔ hex(HMAC_SHA256(key=secret_key, msg=data_check_string)) == hash

and ``auth_date`` (Unix seconds) says when; older than the configured maximum is refused, so a
copied initData stops working. Pure rules: no storage, no network, the clock is a parameter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode

MAX_INIT_DATA_CHARS = 4096  # Telegram's initData is a few hundred characters; refuse a flood
CLOCK_SKEW = dt.timedelta(minutes=5)  # an auth_date this far in the future is still accepted
_HASH = re.compile(r"[0-9a-f]{64}")


class Refusal(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_HASH = "bad_hash"
    EXPIRED = "expired"
    NO_USER = "no_user"


class InitDataRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason

    @classmethod
    def missing(cls) -> InitDataRefused:
        return cls(Refusal.MISSING)


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The person Telegram signed in: only what the signed data says."""

    id: int
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None
    auth_date: dt.datetime | None = None


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()


def data_check_string(fields: list[tuple[str, str]]) -> str:
    return "\n".join(f"{key}={value}" for key, value in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The initData Telegram would hand over for these fields (tests, the demo's local link)."""
    pairs = [(k, v) for k, v in fields.items() if k != "hash"]
    digest = hmac.new(secret_key(bot_token), data_check_string(pairs).encode("utf-8"), hashlib.sha256).hexdigest()
    return urlencode([*pairs, ("hash", digest)])


def init_data_for(user_id: int, bot_token: str, *, at: dt.datetime, first_name: str = "",
                  language_code: str | None = None) -> str:
    user: dict[str, object] = {"id": user_id, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return sign({"auth_date": str(int(at.timestamp())), "user": json.dumps(user, separators=(",", ":")),
                 "query_id": f"local{user_id}"}, bot_token)


def validate(init_data: str | None, bot_token: str, *, now: dt.datetime, max_age: dt.timedelta) -> WebAppUser:
    """The signed-in user, or :class:`InitDataRefused` saying why not."""
    if not init_data:
        raise InitDataRefused(Refusal.MISSING)
    if len(init_data) > MAX_INIT_DATA_CHARS:
        raise InitDataRefused(Refusal.MALFORMED)
    try:
        fields = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused(Refusal.MALFORMED) from None
    keys = [key for key, _ in fields]
    hashes = [value for key, value in fields if key == "hash"]
    # A field given twice would leave it to the parser which one counts: refused.
    if len(hashes) != 1 or len(set(keys)) != len(keys) or not _HASH.fullmatch(hashes[0]):
        raise InitDataRefused(Refusal.MALFORMED)
    expected = hmac.new(secret_key(bot_token), data_check_string(fields).encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, hashes[0]):
        raise InitDataRefused(Refusal.BAD_HASH)
    values = dict(fields)
    raw_date = values.get("auth_date", "")
    if not re.fullmatch(r"[0-9]{1,12}", raw_date):
        raise InitDataRefused(Refusal.MALFORMED)
    auth_date = dt.datetime.fromtimestamp(int(raw_date), dt.UTC)
    if now - auth_date > max_age or auth_date - now > CLOCK_SKEW:
        raise InitDataRefused(Refusal.EXPIRED)
    try:
        user = json.loads(values.get("user", ""))
    except ValueError:
        raise InitDataRefused(Refusal.NO_USER) from None
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataRefused(Refusal.NO_USER)
    language = user.get("language_code")
    username = user.get("username")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name") or "")[:64],
        username=username if isinstance(username, str) else None,
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
    )
