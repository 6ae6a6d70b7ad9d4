"""TOML configuration, validated at start-up.

Every problem is reported as one line that names the key and what was expected, e.g.
``areas.helmond.wijken[3].code: expected CBS wijkcode like WK079401, got "abc"``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import re
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.domain import Category, RecipientKind
from bot.core.i18n import N_

SUPPORTED_LANGUAGES = ("nl", "en", "tr", "pl", "ar")
DEFAULT_API_URL = "https://api.telegram.org/bot"

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
WIJK_CODE = re.compile(r"^WK\d{6}$")
BUURT_CODE = re.compile(r"^BU\d{8}$")
# A postcode pattern: PC4 ("5701"), PC6 ("5701AB") or a PC6 range ("5701AA-5701AZ").
POSTCODE_PATTERN = re.compile(r"^\d{4}([A-Z]{2})?(-\d{4}[A-Z]{2})?$")
SECRET_MIN_CHARS = 16
SECRET_WHAT = f"a random secret of {SECRET_MIN_CHARS}-256 characters A-Z a-z 0-9 _ -"

DEFAULT_ROUTING: dict[Category, tuple[RecipientKind, ...]] = {
    Category.SUSPICIOUS_PERSON: (RecipientKind.TEAM_GROUP, RecipientKind.WIJKAGENT),
    Category.SUSPICIOUS_VEHICLE: (RecipientKind.TEAM_GROUP, RecipientKind.WIJKAGENT),
    Category.BURGLARY_IN_PROGRESS: (RecipientKind.TEAM_GROUP, RecipientKind.WIJKAGENT),
    Category.NUISANCE: (RecipientKind.WIJKAGENT, RecipientKind.BOA),
    # A confused neighbour is not a suspect: care first, never the alert group.
    Category.CONFUSED_PERSON: (RecipientKind.CARE_DESK, RecipientKind.WIJKAGENT),
    Category.YOUTH_NUISANCE: (RecipientKind.BOA, RecipientKind.WIJKAGENT),
    Category.FIRE_HAZARD: (RecipientKind.TEAM_GROUP, RecipientKind.WIJKAGENT),
    Category.NEGLECT: (RecipientKind.BOA,),
    Category.OTHER: (RecipientKind.WIJKAGENT,),
}


@dataclass(frozen=True, slots=True)
class DarkDaysRule:
    """From the Sunday the clock goes back until the Sunday it goes forward (configurable)."""

    start_month: int = 10  # last Sunday of October
    end_month: int = 3  # last Sunday of March (some teams say April)


@dataclass(frozen=True, slots=True)
class Campaign:
    key: str  # "summer", "new_year"
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # (month, day), inclusive; may wrap past New Year

    def active(self, date: dt.date) -> bool:
        md = (date.month, date.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end

    def starts_on(self, date: dt.date) -> bool:
        return (date.month, date.day) == self.start


DEFAULT_CAMPAIGNS = (
    Campaign("summer", (7, 1), (8, 31)),
    Campaign("new_year", (12, 27), (1, 1)),
)


@dataclass(frozen=True, slots=True)
class SeasonConfig:
    dark_days: DarkDaysRule = DarkDaysRule()
    campaigns: tuple[Campaign, ...] = DEFAULT_CAMPAIGNS
    reminder_weekdays: tuple[int, ...] = (4, 5)  # Friday and Saturday evenings
    minutes_before_sunset: int = 30
    opening_time: dt.time = field(default=dt.time(18, 0))


class ConfigError(Exception):
    """A configuration problem; ``str()`` is the one line shown to the operator."""


@dataclass(frozen=True, slots=True)
class Officer:
    """A wijkagent, BOA or desk: a Telegram user id, or an invite still to be claimed."""

    telegram_id: int | None
    name: str = ""
    invite: str | None = None


@dataclass(frozen=True, slots=True)
class BuurtConfig:
    code: str
    name: str
    postcodes: tuple[str, ...] = ()
    polygon: Path | None = None


@dataclass(frozen=True, slots=True)
class WijkConfig:
    code: str
    name: str
    buurten: tuple[BuurtConfig, ...]
    wijkagenten: tuple[Officer, ...] = ()
    boa: tuple[Officer, ...] = ()
    care_desk: tuple[Officer, ...] = ()


@dataclass(frozen=True, slots=True)
class GemeenteConfig:
    key: str  # the table name in the config, e.g. "helmond"
    code: str
    name: str
    wijken: tuple[WijkConfig, ...]
    polygons: Path | None = None
    fallback_desk: tuple[Officer, ...] = ()
    backup_desk: tuple[Officer, ...] = ()  # escalation of unacknowledged urgent reports
    care_desk: tuple[Officer, ...] = ()  # gemeente-wide care desk (Zorgwekkend Gedrag)
    survey_options: tuple[str, ...] | None = None  # the gemeente's own list of kleine ergernissen


@dataclass(frozen=True, slots=True)
class TeamConfig:
    name: str
    buurten: tuple[str, ...]
    coordinators: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    listen: str
    port: int
    path: str
    url: str
    secret_token: str


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bijdragers'


@dataclass(frozen=True, slots=True)
class WebAppConfig:
    """The Mini App (issue 17): the map inside Telegram, served by the bot's own process.

    ``url`` is the public https address Telegram opens (BotFather's Main App URL and the
    buttons); its path is where the pages are served. In webhook mode they are served by the
    webhook's own server (same listen address and port), in polling mode on ``listen``:``port``.
    """

    url: str
    listen: str = "127.0.0.1"
    port: int = 8081
    tiles: str = OSM_TILES  # "" = no background map, the buurt borders only
    attribution: str = OSM_ATTRIBUTION
    max_age_minutes: int = 60  # initData older than this (its auth_date) is refused

    @property
    def path(self) -> str:
        """The URL's path, always ending in "/" (e.g. "/webapp/")."""
        rest = self.url.split("://", 1)[1]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        path = path.split("?", 1)[0].split("#", 1)[0]
        return path if path.endswith("/") else path + "/"


@dataclass(frozen=True, slots=True)
class PdokConfig:
    enabled: bool = True
    base_url: str = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/"
    timeout_seconds: float = 2.0
    cache_days: int = 30


@dataclass(frozen=True, slots=True)
class IncidentConfig:
    merge_distance_m: float = 250.0
    merge_minutes: int = 30
    escalate_after_minutes: int = 15


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    reports_per_hour: int = 10
    broadcasts_per_hour: int = 5
    description_max_chars: int = 1000


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class TipDefaults:
    """What a new tip schedule starts with; each group or resident can change it with /tips."""

    weekday: int = 1  # Monday = 0: Tuesday
    time: dt.time = dt.time(19, 0)
    quiet_start: dt.time = dt.time(22, 0)
    quiet_end: dt.time = dt.time(8, 0)


@dataclass(frozen=True, slots=True)
class SurveyOption:
    """One "kleine ergernis" on the wijkagenda ballot. Built-in keys have translated labels;
    a gemeente's own option carries its labels here (Dutch required, others fall back to it)."""

    key: str
    labels: dict[str, str] = field(default_factory=dict)


# The kleine ergernissen a wijkagenda ballot offers unless a gemeente lists its own.
SURVEY_OPTIONS: dict[str, str] = {
    "hondenpoep": N_("Hondenpoep"),
    "te_hard_rijden": N_("Te hard rijden"),
    "fout_parkeren": N_("Fout parkeren"),
    "zwerfafval": N_("Zwerfafval"),
    "jeugdoverlast": N_("Jeugdoverlast"),
    "drugsoverlast": N_("Drugsoverlast"),
    "fietsendiefstal": N_("Fietsendiefstal"),
    "geluidsoverlast": N_("Geluidsoverlast"),
    "inbraak": N_("Woninginbraak"),
    "verlichting": N_("Slechte straatverlichting"),
}


@dataclass(frozen=True, slots=True)
class SurveyConfig:
    """The yearly wijkagenda survey: open from ``opens`` to ``closes`` (month, day), inclusive."""

    enabled: bool = True
    opens: tuple[int, int] = (3, 1)
    closes: tuple[int, int] = (3, 31)
    options: tuple[SurveyOption, ...] = ()  # empty: the built-in list

    def option(self, key: str) -> SurveyOption | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True, slots=True)
class PatrolConfig:
    """Patrol rounds (loopronden): how long a round lasts and when people hear about it."""

    round_minutes: int = 120
    shortage_hours: int = 24  # the coordinator is warned this long before a round that lacks walkers
    reminder_minutes: int = 60  # walkers are reminded this long before the start
    min_walkers: int = 2  # buurtpreventie walks in pairs at least


MAX_PAID_RATE = 1000  # Telegram's ceiling for paid broadcast, messages per second


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """The outbox sender. ``paid_broadcast``: officers' area alerts go out with Telegram's paid
    broadcast (``allow_paid_broadcast``), paced at ``paid_rate`` messages per second instead of
    the free 30, for 0.1 Telegram Stars per message from the bot's balance (Telegram asks for
    a balance of at least 10 000 Stars). Off by default: it costs money."""

    paid_broadcast: bool = False
    paid_rate: int = MAX_PAID_RATE


@dataclass(frozen=True, slots=True)
class Config:
    timezone: zoneinfo.ZoneInfo
    language: str
    database: Path
    api_url: str
    file_url: str
    gemeenten: tuple[GemeenteConfig, ...]
    teams: tuple[TeamConfig, ...] = ()
    routing: dict[Category, tuple[RecipientKind, ...]] = field(
        default_factory=lambda: dict(DEFAULT_ROUTING)
    )
    webhook: WebhookConfig | None = None
    pdok: PdokConfig = field(default_factory=PdokConfig)
    incidents: IncidentConfig = field(default_factory=IncidentConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    retention_days: int = 90
    exact_point_hours: int = 24  # exact places (GPS point, geocoded house) reduced to the buurt after this
    alert_expiry_minutes: int = 120
    alert_expiry_by_category: dict[Category, int] = field(default_factory=dict)
    alert_relay_ttl_minutes: int = 60  # a relay to the neighbouring buurten is current this long
    tips: TipDefaults = field(default_factory=TipDefaults)
    seasons: SeasonConfig = field(default_factory=SeasonConfig)
    survey: SurveyConfig = field(default_factory=SurveyConfig)
    patrol: PatrolConfig = field(default_factory=PatrolConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    health_port: int | None = None
    health_listen: str = "127.0.0.1"
    webapp: WebAppConfig | None = None
    source: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def gemeente(self, code: str) -> GemeenteConfig | None:
        return next((g for g in self.gemeenten if g.code == code), None)

    def wijk(self, code: str) -> WijkConfig | None:
        for gemeente in self.gemeenten:
            for wijk in gemeente.wijken:
                if wijk.code == code:
                    return wijk
        return None

    def all_buurten(self) -> list[tuple[GemeenteConfig, WijkConfig, BuurtConfig]]:
        return [(g, w, b) for g in self.gemeenten for w in g.wijken for b in w.buurten]


# --------------------------------------------------------------------------- validation


class _Reader:
    """Typed access to one TOML table that reports errors with the full key path."""

    def __init__(self, data: dict[str, Any], path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a table, got {_show(data)}")
        self.data = data
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., *, what: str = "") -> Any:
        if name not in self.data:
            if default is ...:
                raise ConfigError(f"{self.key(name)}: missing, expected {what or _kind_name(kind)}")
            return default
        value = self.data[name]
        # TOML booleans are ints to isinstance; refuse them where a number is meant.
        if isinstance(value, bool) and bool not in _as_tuple(kind):
            raise ConfigError(f"{self.key(name)}: expected {what or _kind_name(kind)}, got {_show(value)}")
        if not isinstance(value, kind):
            raise ConfigError(f"{self.key(name)}: expected {what or _kind_name(kind)}, got {_show(value)}")
        return value

    def text(self, name: str, default: Any = ..., *, pattern: re.Pattern[str] | None = None, what: str = "") -> Any:
        value = self.get(name, str, default, what=what or "text")
        if value is not default and pattern is not None and not pattern.match(value):
            raise ConfigError(f"{self.key(name)}: expected {what}, got {_show(value)}")
        return value

    def table(self, name: str) -> _Reader | None:
        if name not in self.data:
            return None
        return _Reader(self.get(name, dict), self.key(name))

    def tables(self, name: str, *, required: bool = False) -> list[_Reader]:
        items = self.get(name, list, ... if required else [], what="an array of tables")
        return [_Reader(item, f"{self.key(name)}[{i}]") for i, item in enumerate(items)]

    def unknown_keys(self, known: set[str]) -> None:
        for name in self.data:
            if name not in known:
                raise ConfigError(f"{self.key(name)}: unknown key (known: {', '.join(sorted(known))})")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _officers(reader: _Reader, name: str) -> tuple[Officer, ...]:
    raw = reader.get(name, list, [], what="a list of Telegram user ids or {id, name} / {invite} tables")
    officers: list[Officer] = []
    for i, item in enumerate(raw):
        key = f"{reader.key(name)}[{i}]"
        if isinstance(item, int) and not isinstance(item, bool):
            officers.append(Officer(item))
        elif isinstance(item, dict):
            entry = _Reader(item, key)
            entry.unknown_keys({"id", "name", "invite"})
            if "invite" in item:
                label = entry.text("invite", what="a label for the invite")
                officers.append(Officer(None, entry.text("name", label), invite=label))
            else:
                officers.append(Officer(entry.get("id", int, what="a Telegram user id"), entry.text("name", "")))
        else:
            raise ConfigError(f"{key}: expected a Telegram user id or a table {{id, name}} / {{invite}}, got {_show(item)}")
    return tuple(officers)


def _path(reader: _Reader, name: str, base: Path) -> Path | None:
    value = reader.text(name, None, what="a file path")
    if value is None:
        return None
    path = Path(value)
    if path.is_absolute():
        if not path.is_file():
            raise ConfigError(f"{reader.key(name)}: file not found: {path}")
        return path
    # Relative: next to the config first; then the files shipped in the package (bot/data), so
    # the example's "bot/data/…" also works from /etc/buurtwacht/config.toml after an install.
    tried = [base / path, *packaged_data_candidates(path)]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    raise ConfigError(f"{reader.key(name)}: file not found; tried {', '.join(str(c) for c in tried)}")


def packaged_data_candidates(path: Path) -> list[Path]:
    """Where a relative data path may be in the installed package: ``bot/data/x.geojson`` as
    written in the example config, or a bare ``x.geojson`` of the shipped data."""
    package = Path(__file__).resolve().parents[1]  # …/site-packages/bot, or the checkout's bot/
    if path.parts[:1] == ("bot",):
        return [package.parent / path]
    if len(path.parts) == 1:
        return [package / "data" / path]
    return []


def _buurt(reader: _Reader, wijk_code: str, base: Path) -> BuurtConfig:
    reader.unknown_keys({"code", "name", "postcodes", "polygon"})
    code = reader.text("code", pattern=BUURT_CODE, what="CBS buurtcode like BU07941000")
    if code[2:8] != wijk_code[2:]:
        raise ConfigError(f"{reader.key('code')}: buurt {code} does not belong to wijk {wijk_code} (expected BU{wijk_code[2:]}xx)")
    postcodes = []
    for i, pc in enumerate(reader.get("postcodes", list, [], what="a list of postcodes")):
        norm = pc.replace(" ", "").upper() if isinstance(pc, str) else pc
        if not isinstance(norm, str) or not POSTCODE_PATTERN.match(norm):
            raise ConfigError(f"{reader.key('postcodes')}[{i}]: expected a postcode like 5701, 5701AB or 5701AA-5701AZ, got {_show(pc)}")
        low, _, high = norm.partition("-")
        if high and high < low:
            raise ConfigError(f"{reader.key('postcodes')}[{i}]: expected a range from low to high like 5701AA-5701AZ, "
                              f"got {_show(pc)}")
        postcodes.append(norm)
    return BuurtConfig(code, reader.text("name", what="the buurt's name"), tuple(postcodes), _path(reader, "polygon", base))


def _wijk(reader: _Reader, gemeente_code: str, base: Path) -> WijkConfig:
    reader.unknown_keys({"code", "name", "buurten", "wijkagenten", "boa", "care_desk"})
    code = reader.text("code", pattern=WIJK_CODE, what=f"CBS wijkcode like WK{gemeente_code[2:]}01")
    if code[2:6] != gemeente_code[2:]:
        raise ConfigError(f"{reader.key('code')}: wijk {code} does not belong to gemeente {gemeente_code} (expected WK{gemeente_code[2:]}xx)")
    buurten = tuple(_buurt(b, code, base) for b in reader.tables("buurten", required=True))
    if not buurten:
        raise ConfigError(f"{reader.key('buurten')}: expected at least one buurt")
    return WijkConfig(
        code=code,
        name=reader.text("name", what="the wijk's name"),
        buurten=buurten,
        wijkagenten=_officers(reader, "wijkagenten"),
        boa=_officers(reader, "boa"),
        care_desk=_officers(reader, "care_desk"),
    )


def _gemeente(key: str, reader: _Reader, base: Path) -> GemeenteConfig:
    reader.unknown_keys({"code", "name", "wijken", "polygons", "fallback_desk", "backup_desk", "care_desk",
                         "survey_options"})
    code = reader.text("code", pattern=GEMEENTE_CODE, what="CBS gemeentecode like GM0794")
    wijken = tuple(_wijk(w, code, base) for w in reader.tables("wijken", required=True))
    if not wijken:
        raise ConfigError(f"{reader.key('wijken')}: expected at least one wijk")
    return GemeenteConfig(
        key=key,
        code=code,
        name=reader.text("name", what="the gemeente's name"),
        wijken=wijken,
        polygons=_path(reader, "polygons", base),
        fallback_desk=_officers(reader, "fallback_desk"),
        backup_desk=_officers(reader, "backup_desk"),
        care_desk=_officers(reader, "care_desk"),
        survey_options=_survey_option_keys(reader),
    )


def _survey_option_keys(reader: _Reader) -> tuple[str, ...] | None:
    values = reader.get("survey_options", list, None, what="a list of survey option keys")
    if values is None:
        return None
    for i, value in enumerate(values):
        if not isinstance(value, str) or not SURVEY_KEY.match(value):
            raise ConfigError(f"{reader.key('survey_options')}[{i}]: expected an option key like \"hondenpoep\", got {_show(value)}")
    if len(values) < 2:
        raise ConfigError(f"{reader.key('survey_options')}: expected at least 2 options")
    return tuple(values)


SURVEY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def _month_day(reader: _Reader, name: str, default: tuple[int, int]) -> tuple[int, int]:
    value = reader.text(name, None, what="a date like 03-01 (month-day)")
    if value is None:
        return default
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", value.strip())
    if match:
        month, day = int(match[1]), int(match[2])
        try:
            dt.date(2024, month, day)  # a leap year, so 02-29 is allowed
            return month, day
        except ValueError:
            pass
    raise ConfigError(f'{reader.key(name)}: expected a date like 03-01 (month-day), got "{value}"')


def _weekday(reader: _Reader, name: str, default: int) -> int:
    value = reader.text(name, None, what=f"a weekday ({', '.join(WEEKDAYS)})")
    return default if value is None else _weekday_index(value, reader.key(name))


def _weekday_index(value: object, key: str) -> int:
    """Monday = 0 for an English weekday name, or a ConfigError naming the key."""
    if not isinstance(value, str) or value.lower() not in WEEKDAYS:
        raise ConfigError(f"{key}: expected a weekday ({', '.join(WEEKDAYS)}), got {_show(value)}")
    return WEEKDAYS.index(value.lower())


def _check_port(port: int, key: str) -> int:
    if not 0 <= port <= 65535:
        raise ConfigError(f"{key}: expected a port number 0-65535, got {port}")
    return port


def _time(reader: _Reader, name: str, default: dt.time) -> dt.time:
    value = reader.text(name, None, what="a time like 19:00")
    return default if value is None else parse_time_of_day(value, reader.key(name))


def _tips(reader: _Reader | None) -> TipDefaults:
    defaults = TipDefaults()
    if reader is None:
        return defaults
    reader.unknown_keys({"weekday", "time", "quiet_start", "quiet_end"})
    return TipDefaults(
        weekday=_weekday(reader, "weekday", defaults.weekday),
        time=_time(reader, "time", defaults.time),
        quiet_start=_time(reader, "quiet_start", defaults.quiet_start),
        quiet_end=_time(reader, "quiet_end", defaults.quiet_end),
    )


def _seasons(reader: _Reader | None) -> SeasonConfig:
    defaults = SeasonConfig()
    if reader is None:
        return defaults
    reader.unknown_keys({"dark_days_start_month", "dark_days_end_month", "reminder_weekdays",
                         "minutes_before_sunset", "opening_time", "campaigns"})
    months = []
    for name, default in (("dark_days_start_month", defaults.dark_days.start_month),
                          ("dark_days_end_month", defaults.dark_days.end_month)):
        month = reader.get(name, int, default)
        if not 1 <= month <= 12:
            raise ConfigError(f"{reader.key(name)}: expected a month 1-12, got {month}")
        months.append(month)
    weekdays = []
    raw_days = reader.get("reminder_weekdays", list, None, what=f"a list of weekdays ({', '.join(WEEKDAYS)})")
    for i, day in enumerate(raw_days if raw_days is not None else []):
        weekdays.append(_weekday_index(day, f"{reader.key('reminder_weekdays')}[{i}]"))
    minutes = reader.get("minutes_before_sunset", int, defaults.minutes_before_sunset)
    if not 0 <= minutes <= 240:
        raise ConfigError(f"{reader.key('minutes_before_sunset')}: expected 0-240 minutes, got {minutes}")
    campaigns = list(DEFAULT_CAMPAIGNS)
    if (table := reader.table("campaigns")) is not None:
        known = {c.key for c in DEFAULT_CAMPAIGNS}
        table.unknown_keys(known)
        for key in table.data:
            entry = table.table(key)
            assert entry is not None
            entry.unknown_keys({"start", "end", "enabled"})
            built_in = next(c for c in DEFAULT_CAMPAIGNS if c.key == key)
            campaigns = [c for c in campaigns if c.key != key]
            if entry.get("enabled", bool, True):
                campaigns.append(Campaign(key, _month_day(entry, "start", built_in.start), _month_day(entry, "end", built_in.end)))
    return SeasonConfig(
        dark_days=DarkDaysRule(months[0], months[1]),
        campaigns=tuple(campaigns),
        reminder_weekdays=tuple(weekdays) if raw_days is not None else defaults.reminder_weekdays,
        minutes_before_sunset=minutes,
        opening_time=_time(reader, "opening_time", defaults.opening_time),
    )


def _patrol(reader: _Reader | None) -> PatrolConfig:
    defaults = PatrolConfig()
    if reader is None:
        return defaults
    reader.unknown_keys({"round_minutes", "shortage_hours", "reminder_minutes", "min_walkers"})
    config = PatrolConfig(
        round_minutes=_positive(reader, "round_minutes", int, defaults.round_minutes),
        shortage_hours=_positive(reader, "shortage_hours", int, defaults.shortage_hours),
        reminder_minutes=_positive(reader, "reminder_minutes", int, defaults.reminder_minutes),
        min_walkers=_positive(reader, "min_walkers", int, defaults.min_walkers),
    )
    if config.round_minutes > 12 * 60:
        raise ConfigError(f"{reader.key('round_minutes')}: expected at most 720 minutes, got {config.round_minutes}")
    return config


def _delivery(reader: _Reader | None) -> DeliveryConfig:
    defaults = DeliveryConfig()
    if reader is None:
        return defaults
    reader.unknown_keys({"paid_broadcast", "paid_rate"})
    rate = _positive(reader, "paid_rate", int, defaults.paid_rate)
    if rate > MAX_PAID_RATE:
        raise ConfigError(f"{reader.key('paid_rate')}: expected at most {MAX_PAID_RATE} "
                          f"(Telegram's limit for paid broadcast), got {rate}")
    return DeliveryConfig(paid_broadcast=reader.get("paid_broadcast", bool, False), paid_rate=rate)


def _survey(reader: _Reader | None) -> SurveyConfig:
    defaults = SurveyConfig()
    if reader is None:
        return defaults
    reader.unknown_keys({"enabled", "opens", "closes", "options"})
    opens, closes = _month_day(reader, "opens", defaults.opens), _month_day(reader, "closes", defaults.closes)
    if closes < opens:
        raise ConfigError(f"{reader.key('closes')}: expected a date after survey.opens (the survey runs within one year)")
    options = []
    for entry in reader.tables("options"):
        entry.unknown_keys({"key", *SUPPORTED_LANGUAGES})
        key = entry.text("key", pattern=SURVEY_KEY, what='an option key like "hondenpoep"')
        labels = {lang: entry.text(lang, what="the option's label") for lang in SUPPORTED_LANGUAGES if lang in entry.data}
        if "nl" not in labels:
            raise ConfigError(f"{entry.key('nl')}: missing, expected the Dutch label of option {key}")
        options.append(SurveyOption(key, labels))
    return SurveyConfig(enabled=reader.get("enabled", bool, True), opens=opens, closes=closes, options=tuple(options))


def _routing(reader: _Reader | None) -> dict[Category, tuple[RecipientKind, ...]]:
    routing = dict(DEFAULT_ROUTING)
    if reader is None:
        return routing
    kinds = {k.value for k in RecipientKind}
    for name, value in reader.data.items():
        if name not in {c.value for c in Category}:
            raise ConfigError(f"{reader.key(name)}: unknown category (known: {', '.join(c.value for c in Category)})")
        if not isinstance(value, list):
            raise ConfigError(f"{reader.key(name)}: expected a list of recipient kinds from {', '.join(sorted(kinds))}, got {_show(value)}")
        for i, kind in enumerate(value):
            if not isinstance(kind, str):
                raise ConfigError(f"{reader.key(name)}[{i}]: expected a recipient kind (known: {', '.join(sorted(kinds))}), got {_show(kind)}")
            if kind not in kinds:
                raise ConfigError(f'{reader.key(name)}[{i}]: unknown recipient kind "{kind}" (known: {", ".join(sorted(kinds))})')
        routing[Category(name)] = tuple(RecipientKind(v) for v in value)
    return routing


def parse_config(data: dict[str, Any], *, base: Path, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ) if env is None else env
    root = _Reader(data, "")
    root.unknown_keys({"bot", "webhook", "pdok", "incidents", "limits", "privacy", "routing", "areas", "teams", "health", "tips", "seasons", "survey", "alerts", "patrol", "webapp", "delivery"})
    bot = root.table("bot") or _Reader({}, "bot")
    bot.unknown_keys({"timezone", "language", "database", "api_url", "file_url"})
    tz_name = bot.text("timezone", "Europe/Amsterdam", what="an IANA timezone like Europe/Amsterdam")
    try:
        timezone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f'bot.timezone: expected an IANA timezone like Europe/Amsterdam, got "{tz_name}"') from None
    language = bot.text("language", "nl")
    if language not in SUPPORTED_LANGUAGES:
        raise ConfigError(f'bot.language: expected one of {", ".join(SUPPORTED_LANGUAGES)}, got "{language}"')
    database = Path(bot.text("database", "buurtwacht.db", what="a file path"))
    if not database.is_absolute() and str(database) != ":memory:":
        database = base / database
    api_url = env.get("BUURTWACHT_API_URL") or bot.text("api_url", DEFAULT_API_URL, what="a URL")
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(f'bot.api_url: expected a URL starting with http:// or https://, got "{api_url}"')
    file_url = env.get("BUURTWACHT_FILE_URL") or bot.text("file_url", "", what="a URL") or _file_url(api_url)

    webhook = None
    if (wh := root.table("webhook")) is not None:
        wh.unknown_keys({"listen", "port", "path", "url", "secret_token"})
        secret = env.get("BUURTWACHT_WEBHOOK_SECRET") or wh.text("secret_token", "", what=SECRET_WHAT)
        # Telegram accepts 1-256 characters, but only a long random secret keeps forged updates out.
        if not re.fullmatch(rf"[A-Za-z0-9_-]{{{SECRET_MIN_CHARS},256}}", secret):
            raise ConfigError(f"webhook.secret_token: expected {SECRET_WHAT}, e.g. from "
                              f"`openssl rand -hex 24` (or env BUURTWACHT_WEBHOOK_SECRET)")
        port = _check_port(wh.get("port", int, 8443), "webhook.port")
        url = wh.text("url", what="the public https URL Telegram posts to")
        # Telegram delivers webhooks over HTTPS only (ports 443, 80, 88 or 8443 at the proxy).
        if not re.fullmatch(r"https://[^/\s:]+(:\d+)?(/\S*)?", url):
            raise ConfigError(f"webhook.url: expected the public https:// URL Telegram posts to "
                              f"(Telegram requires HTTPS), got {_show(url)}")
        webhook = WebhookConfig(
            listen=wh.text("listen", "127.0.0.1"),
            port=port,
            path=wh.text("path", "/telegram"),
            url=url,
            secret_token=secret,
        )

    webapp = _webapp(root.table("webapp"), webhook)

    pdok = PdokConfig()
    if (pd := root.table("pdok")) is not None:
        pd.unknown_keys({"enabled", "base_url", "timeout_seconds", "cache_days"})
        pdok = PdokConfig(
            enabled=pd.get("enabled", bool, True),
            base_url=pd.text("base_url", pdok.base_url),
            timeout_seconds=float(_positive(pd, "timeout_seconds", (int, float), pdok.timeout_seconds)),
            cache_days=_positive(pd, "cache_days", int, pdok.cache_days),
        )
    incidents = IncidentConfig()
    if (inc := root.table("incidents")) is not None:
        inc.unknown_keys({"merge_distance_m", "merge_minutes", "escalate_after_minutes"})
        incidents = IncidentConfig(
            merge_distance_m=float(_positive(inc, "merge_distance_m", (int, float), incidents.merge_distance_m)),
            merge_minutes=_positive(inc, "merge_minutes", int, incidents.merge_minutes),
            escalate_after_minutes=_positive(inc, "escalate_after_minutes", int, incidents.escalate_after_minutes),
        )
    limits = LimitsConfig()
    if (lim := root.table("limits")) is not None:
        lim.unknown_keys({"reports_per_hour", "broadcasts_per_hour", "description_max_chars"})
        limits = LimitsConfig(
            reports_per_hour=_positive(lim, "reports_per_hour", int, limits.reports_per_hour),
            broadcasts_per_hour=_positive(lim, "broadcasts_per_hour", int, limits.broadcasts_per_hour),
            description_max_chars=_positive(lim, "description_max_chars", int, limits.description_max_chars),
        )
    retention_days, exact_point_hours = _default("retention_days"), _default("exact_point_hours")
    if (priv := root.table("privacy")) is not None:
        priv.unknown_keys({"retention_days", "exact_point_hours"})
        retention_days = _positive(priv, "retention_days", int, retention_days)
        exact_point_hours = _positive(priv, "exact_point_hours", int, exact_point_hours)
    alert_expiry, relay_ttl = _default("alert_expiry_minutes"), _default("alert_relay_ttl_minutes")
    expiry_by_category: dict[Category, int] = {}
    if (alerts := root.table("alerts")) is not None:
        alerts.unknown_keys({"expiry_minutes", "expiry_by_category", "relay_ttl_minutes"})
        alert_expiry = _positive(alerts, "expiry_minutes", int, alert_expiry)
        relay_ttl = _positive(alerts, "relay_ttl_minutes", int, relay_ttl)
        if (per := alerts.table("expiry_by_category")) is not None:
            for name in per.data:
                if name not in {c.value for c in Category}:
                    raise ConfigError(f"{per.key(name)}: unknown category (known: {', '.join(c.value for c in Category)})")
                expiry_by_category[Category(name)] = _positive(per, name, int, alert_expiry)
    health_port, health_listen = _default("health_port"), _default("health_listen")
    if (health := root.table("health")) is not None:
        health.unknown_keys({"port", "listen"})
        health_port = health.get("port", int, health_port)
        health_listen = health.text("listen", health_listen)
        if health_port is not None:
            _check_port(health_port, "health.port")
    # The container image sets these, so its HEALTHCHECK works with any mounted config.
    if raw_port := env.get("BUURTWACHT_HEALTH_PORT", "").strip():
        # ASCII digits only: str.isdigit() takes "²", which int() then refuses with a traceback.
        if not re.fullmatch(r"[0-9]{1,5}", raw_port) or int(raw_port) > 65535:
            raise ConfigError(f'BUURTWACHT_HEALTH_PORT: expected a port number 0-65535, got "{raw_port}"')
        health_port = int(raw_port)
    health_listen = env.get("BUURTWACHT_HEALTH_LISTEN", "").strip() or health_listen

    tips = _tips(root.table("tips"))
    seasons = _seasons(root.table("seasons"))
    survey = _survey(root.table("survey"))
    patrol = _patrol(root.table("patrol"))
    delivery = _delivery(root.table("delivery"))

    areas = root.table("areas")
    if areas is None:
        raise ConfigError("areas: missing, expected at least one gemeente table like [areas.helmond]")
    gemeenten = tuple(_gemeente(key, _Reader(value, f"areas.{key}"), base) for key, value in areas.data.items())
    if not gemeenten:
        raise ConfigError("areas: expected at least one gemeente table like [areas.helmond]")
    _check_unique(gemeenten)
    _check_postcodes(gemeenten)
    _check_survey_options(gemeenten, survey)
    known_buurten = {b.code for g in gemeenten for w in g.wijken for b in w.buurten}

    teams = []
    group_owner: dict[int, str] = {}  # group chat id → where it is configured
    team_names: dict[str, str] = {}  # folded team name → where it is configured
    for team in root.tables("teams"):
        team.unknown_keys({"name", "buurten", "coordinators", "groups"})
        buurten = team.get("buurten", list, what="a list of buurtcodes")
        for i, code in enumerate(buurten):
            if not isinstance(code, str) or code not in known_buurten:
                raise ConfigError(f"{team.key('buurten')}[{i}]: expected a buurtcode configured under [areas], got {_show(code)}")
        if not buurten:
            raise ConfigError(f"{team.key('buurten')}: expected at least one buurtcode")
        name = team.text("name", what="the team's name")
        folded = " ".join(name.split()).casefold()
        if folded in team_names:
            raise ConfigError(f"{team.key('name')}: a team named {name.strip()!r} is already configured at "
                              f"{team_names[folded]}; two teams of one name would be merged into one")
        team_names[folded] = team.key("name").rsplit(".", 1)[0]
        groups = _int_list(team, "groups", "Telegram group chat ids")
        for i, chat_id in enumerate(groups):
            where = f"{team.key('groups')}[{i}]"
            if chat_id >= 0:
                raise ConfigError(f"{where}: expected a Telegram group chat id, which is negative "
                                  f"(like -1001234567890), got {chat_id}")
            if chat_id in group_owner:
                raise ConfigError(f"{where}: group {chat_id} is configured twice (also at {group_owner[chat_id]}); "
                                  f"a group is the alert group of one team")
            group_owner[chat_id] = where
        teams.append(TeamConfig(
            name=name,
            buurten=tuple(buurten),
            coordinators=tuple(_int_list(team, "coordinators", "Telegram user ids")),
            groups=tuple(groups),
        ))

    return Config(
        timezone=timezone,
        language=language,
        database=database,
        api_url=api_url,
        file_url=file_url,
        gemeenten=gemeenten,
        teams=tuple(teams),
        routing=_routing(root.table("routing")),
        webhook=webhook,
        pdok=pdok,
        incidents=incidents,
        limits=limits,
        retention_days=retention_days,
        exact_point_hours=exact_point_hours,
        health_port=health_port,
        health_listen=health_listen,
        webapp=webapp,
        alert_expiry_minutes=alert_expiry,
        alert_expiry_by_category=expiry_by_category,
        alert_relay_ttl_minutes=relay_ttl,
        tips=tips,
        seasons=seasons,
        survey=survey,
        patrol=patrol,
        delivery=delivery,
        raw=data,
    )


# The largest sensible value by unit: larger ones only break later (a date 10^11 days back
# overflows in every retention run, an infinite distance merges everything).
_CEILINGS = (("_days", 3650), ("_hours", 24 * 3650), ("_minutes", 60 * 24 * 365), ("_seconds", 3600),
             ("_m", 100_000))
_CEILING = 1_000_000


WEBAPP_URL_WHAT = "the public https:// URL of the Mini App, like https://buurtwacht.example.nl/webapp/"


def _webapp(reader: _Reader | None, webhook: WebhookConfig | None) -> WebAppConfig | None:
    """[webapp]: absent = no Mini App. In webhook mode the URL may be left out: the pages are
    then at /webapp/ on the webhook's host."""
    if reader is None:
        return None
    reader.unknown_keys({"url", "listen", "port", "tiles", "attribution", "max_age_minutes"})
    default_url: Any = ...
    if webhook is not None:
        default_url = webhook.url.split("://", 1)[0] + "://" + webhook.url.split("://", 1)[1].split("/", 1)[0] + "/webapp/"
    url = reader.text("url", default_url, what=WEBAPP_URL_WHAT)
    # Telegram opens Mini Apps over HTTPS only; no query or fragment (Telegram adds its own).
    if not re.fullmatch(r"https://[^/\s:?#]+(:\d+)?(/[^\s?#]*)?", url):
        raise ConfigError(f"{reader.key('url')}: expected {WEBAPP_URL_WHAT} (Telegram requires HTTPS), got {_show(url)}")
    listen = reader.text("listen", "127.0.0.1", what="an IP address to listen on")
    port = _check_port(reader.get("port", int, 8081), reader.key("port"))
    tiles = reader.text("tiles", OSM_TILES, what="a tile URL with {z}, {x} and {y}, or \"\" for the borders only")
    if tiles and not (re.fullmatch(r"https://\S+", tiles) and all(f"{{{v}}}" in tiles for v in "zxy")):
        raise ConfigError(f'{reader.key("tiles")}: expected an https:// tile URL with {{z}}, {{x}} and {{y}} '
                          f'(like {OSM_TILES}), or "" for the buurt borders only, got {_show(tiles)}')
    attribution = reader.text("attribution", OSM_ATTRIBUTION if tiles == OSM_TILES else "",
                              what="the tile provider's attribution")
    if tiles and not attribution.strip():
        raise ConfigError(f"{reader.key('attribution')}: expected the attribution the tile provider requires")
    config = WebAppConfig(url=url, listen=listen, port=port, tiles=tiles, attribution=attribution,
                          max_age_minutes=_positive(reader, "max_age_minutes", int, 60))
    if webhook is not None and (config.path.rstrip("/") or "/") == (webhook.path.rstrip("/") or "/"):
        raise ConfigError(f"{reader.key('url')}: the Mini App's path {config.path} is the webhook's path; "
                          f"choose another, like /webapp/")
    if config.path == "/" and webhook is not None:
        raise ConfigError(f"{reader.key('url')}: in webhook mode the Mini App needs its own path, like /webapp/")
    return config


def _default(name: str) -> Any:
    """A Config field's default: written once, on the dataclass."""
    return Config.__dataclass_fields__[name].default


def _positive(reader: _Reader, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = reader.get(name, kind, default)
    if not value > 0:  # also NaN
        raise ConfigError(f"{reader.key(name)}: expected a number above 0, got {value}")
    ceiling = next((most for suffix, most in _CEILINGS if name.endswith(suffix)), _CEILING)
    if value > ceiling:
        raise ConfigError(f"{reader.key(name)}: expected at most {ceiling}, got {value}")
    return value


def _int_list(reader: _Reader, name: str, what: str) -> list[int]:
    values = reader.get(name, list, [], what=f"a list of {what}")
    for i, value in enumerate(values):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{reader.key(name)}[{i}]: expected one of {what}, got {_show(value)}")
    return values


def _check_survey_options(gemeenten: tuple[GemeenteConfig, ...], survey: SurveyConfig) -> None:

    known = set(SURVEY_OPTIONS) | {o.key for o in survey.options}
    for g in gemeenten:
        for i, key in enumerate(g.survey_options or ()):
            if key not in known:
                raise ConfigError(f"areas.{g.key}.survey_options[{i}]: unknown option \"{key}\" (known: "
                                  f"{', '.join(sorted(known))}; add your own under [[survey.options]])")


def _check_unique(gemeenten: tuple[GemeenteConfig, ...]) -> None:
    seen: dict[str, str] = {}
    for g in gemeenten:
        for code, where in [(g.code, f"areas.{g.key}.code")] + [
            (w.code, f"areas.{g.key}.wijken[{i}].code") for i, w in enumerate(g.wijken)
        ] + [
            (b.code, f"areas.{g.key}.wijken[{i}].buurten[{j}].code")
            for i, w in enumerate(g.wijken) for j, b in enumerate(w.buurten)
        ]:
            if code in seen:
                raise ConfigError(f"{where}: {code} is configured twice (also at {seen[code]})")
            seen[code] = where


@dataclass(frozen=True, slots=True)
class _PostcodeEntry:
    specificity: int  # 0 a PC6, 1 a range, 2 a PC4 (the order in which bot.geo.locate.PostcodeMap tries them)
    low: str
    high: str
    buurt: str
    key: str
    pattern: str


def _postcode_entry(pattern: str, buurt: str, key: str) -> _PostcodeEntry:
    """The PC6 interval a pattern covers, as bot.geo.locate.PostcodeMap reads it."""
    low, _, high = pattern.partition("-")
    if len(low) == 4:
        return _PostcodeEntry(2, low + "AA", low + "ZZ", buurt, key, pattern)
    high = high or low
    return _PostcodeEntry(0 if low == high else 1, low, high, buurt, key, pattern)


def _check_postcodes(gemeenten: tuple[GemeenteConfig, ...]) -> None:
    """The offline fallback maps a typed postcode to one buurt, the most specific pattern first.

    Two patterns of the same kind (PC6, range, PC4) in different buurten that share a postcode
    leave it to chance which buurt a report lands in: refused. A PC6 inside another buurt's
    range or PC4, or a range inside another buurt's PC4, is a deliberate exception (the more
    specific one wins) — unless it covers that pattern entirely, which then never matches."""
    entries = [
        _postcode_entry(pattern, b.code, f"areas.{g.key}.wijken[{i}].buurten[{j}].postcodes[{k}]")
        for g in gemeenten for i, w in enumerate(g.wijken) for j, b in enumerate(w.buurten)
        for k, pattern in enumerate(b.postcodes)
    ]
    for specificity in (0, 1, 2):
        # A sweep in order of the interval's start: a pattern overlaps an earlier one of another
        # buurt exactly when it starts before the furthest end seen so far (once no earlier
        # pair overlapped, that furthest-reaching one is the only candidate of another buurt).
        reach: _PostcodeEntry | None = None
        for entry in sorted((e for e in entries if e.specificity == specificity), key=lambda e: (e.low, e.high)):
            if reach is not None and entry.low <= reach.high and entry.buurt != reach.buurt:
                raise ConfigError(f"{entry.key}: {entry.pattern} overlaps {reach.pattern} of buurt {reach.buurt} "
                                  f"(at {reach.key}); the offline postcode lookup could not tell which buurt is meant")
            if reach is None or entry.high > reach.high:
                reach = entry
    # Only a range can cover a PC4 (a PC6 covers no more than itself). Ranges of different
    # buurten no longer overlap, so the furthest-reaching range starting at or before the PC4
    # is the one that could cover it.
    ranges = sorted((e for e in entries if e.specificity == 1), key=lambda e: (e.low, e.high))
    starts = [e.low for e in ranges]
    furthest: list[_PostcodeEntry] = []
    for entry in ranges:
        furthest.append(entry if not furthest or entry.high > furthest[-1].high else furthest[-1])
    for pc4 in (e for e in entries if e.specificity == 2):
        at = bisect.bisect_right(starts, pc4.low) - 1
        if at >= 0 and (cover := furthest[at]).high >= pc4.high and cover.buurt != pc4.buurt:
            raise ConfigError(f"{pc4.key}: {pc4.pattern} never matches: {cover.pattern} of buurt {cover.buurt} "
                              f"(at {cover.key}) covers it and wins as the more specific pattern")


def _file_url(api_url: str) -> str:
    # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
    if api_url.endswith("/bot"):
        return api_url[: -len("bot")] + "file/bot"
    return api_url.rstrip("/") + "/file/bot"


def load_config(path: str | Path, *, env: dict[str, str] | None = None) -> Config:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (copy config.example.toml to start)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a config file like config.toml") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error.strerror or error})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    config = parse_config(data, base=path.resolve().parent, env=env)
    return Config(**{**{f: getattr(config, f) for f in config.__dataclass_fields__}, "source": path})


def parse_time_of_day(value: str, key: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f'{key}: expected a time like 19:00, got "{value}"') from None


Validator = Callable[[dict[str, Any]], None]
