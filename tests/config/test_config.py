"""Config validation: every problem is one line naming the key and what was expected."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config.schema import ConfigError, load_config, parse_config
from tests.conftest import EXAMPLE_CONFIG, ROOT

WEBHOOK_SECRET = "0f6c2a9e41b7d3c8a5e2f1b9"  # as from `openssl rand -hex 12`


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def error_of(data: dict[str, Any], env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, base=ROOT, env=env or {})
    return str(info.value)


def test_example_config_is_valid() -> None:
    config = load_config(EXAMPLE_CONFIG, env={})
    assert config.timezone.key == "Europe/Amsterdam"
    assert config.language == "nl"
    helmond = config.gemeente("GM0794")
    assert helmond is not None and len(helmond.wijken) == 12
    assert config.gemeente("GM0861") is not None  # a Kempen municipality
    assert config.api_url == "https://api.telegram.org/bot"
    assert config.file_url == "https://api.telegram.org/file/bot"


def test_api_url_from_environment() -> None:
    config = parse_config(example(), base=ROOT, env={"BUURTWACHT_API_URL": "http://127.0.0.1:8081/bot"})
    assert config.api_url == "http://127.0.0.1:8081/bot"
    assert config.file_url == "http://127.0.0.1:8081/file/bot"


def test_bad_wijk_code_names_the_key() -> None:
    data = example()
    data["areas"]["helmond"]["wijken"][3]["code"] = "abc"
    assert error_of(data) == 'areas.helmond.wijken[3].code: expected CBS wijkcode like WK079401, got "abc"'


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["bot"].update(timezone="Mars/Olympus"), "bot.timezone: expected an IANA timezone"),
        (lambda d: d["bot"].update(language="fr"), "bot.language: expected one of"),
        (lambda d: d["bot"].update(api_url="ftp://x"), "bot.api_url: expected a URL"),
        (lambda d: d["bot"].update(colour="blue"), "bot.colour: unknown key"),
        (lambda d: d.pop("areas"), "areas: missing"),
        (lambda d: d["areas"]["helmond"].update(code="0794"), "areas.helmond.code: expected CBS gemeentecode like GM0794"),
        (lambda d: d["areas"]["helmond"]["wijken"][0]["buurten"][0].update(code="BU08610000"),
         "areas.helmond.wijken[0].buurten[0].code: buurt BU08610000 does not belong to wijk WK079410"),
        (lambda d: d["areas"]["helmond"]["wijken"][0]["buurten"][0].update(postcodes=["57O1"]),
         "areas.helmond.wijken[0].buurten[0].postcodes[0]: expected a postcode"),
        (lambda d: d["areas"]["helmond"]["wijken"][0].update(wijkagenten=["agent"]),
         "areas.helmond.wijken[0].wijkagenten[0]: expected a Telegram user id"),
        (lambda d: d["areas"]["helmond"]["wijken"][0].pop("name"), "areas.helmond.wijken[0].name: missing"),
        (lambda d: d["incidents"].update(merge_minutes=0), "incidents.merge_minutes: expected a number above 0"),
        (lambda d: d["incidents"].update(merge_minutes="30"), "incidents.merge_minutes: expected a whole number"),
        (lambda d: d["routing"].update(nuisance="boa"), "routing.nuisance: expected a list of recipient kinds"),
        (lambda d: d["routing"].update(ufo=["boa"]), "routing.ufo: unknown category"),
        (lambda d: d["teams"][0].update(buurten=["BU99999999"]), "teams[0].buurten[0]: expected a buurtcode configured"),
        (lambda d: d["areas"]["helmond"].update(polygons="missing.geojson"), "areas.helmond.polygons: file not found"),
        (lambda d: d.update(webhook={"url": "https://x.example/telegram"}), "webhook.secret_token: expected a random secret of 16-256"),
        (lambda d: d.update(routng={"nuisance": ["boa"]}), "routng: unknown key (known: "),
        (lambda d: d["teams"][1].update(groups=[-1001000000021, 1001000000022]),
         "teams[1].groups[1]: expected a Telegram group chat id, which is negative (like -1001234567890), got 1001000000022"),
        (lambda d: d["areas"].update(helmond2=d["areas"]["helmond"]), "is configured twice"),
    ],
)
def test_config_errors_name_the_key(mutate: Any, expected: str) -> None:
    data = example()
    mutate(data)
    message = error_of(data)
    assert expected in message
    assert "\n" not in message


def test_routing_error_names_the_bad_value() -> None:
    data = example()
    data["routing"]["other"] = ["wijkagent", "politie"]
    message = error_of(data)
    assert message.startswith('routing.other[1]: unknown recipient kind "politie" (known: ')
    assert "boa" in message and "wijkagent" in message and "team_group" in message
    data["routing"]["other"] = ["wijkagent", 3]
    assert error_of(data).startswith("routing.other[1]: expected a recipient kind (known: ")
    assert error_of(data).endswith("got 3")


@pytest.mark.parametrize("url", ["http://buurtwacht.example.nl/telegram", "buurtwacht.example.nl/telegram",
                                 "https://", "https:// spaced.example/x", "ftp://x.example/t"])
def test_webhook_url_must_be_https(url: str) -> None:
    data = example()
    data["webhook"] = {"url": url, "secret_token": WEBHOOK_SECRET}
    message = error_of(data)
    assert message.startswith("webhook.url: expected the public https:// URL Telegram posts to (Telegram requires HTTPS)")
    assert f'got "{url}"' in message


def test_webhook_with_https_url_is_accepted() -> None:
    data = example()
    data["webhook"] = {"url": "https://buurtwacht.example.nl:8443/telegram", "secret_token": WEBHOOK_SECRET}
    config = parse_config(data, base=ROOT, env={})
    assert config.webhook is not None and config.webhook.url == "https://buurtwacht.example.nl:8443/telegram"


def test_health_port_from_the_environment() -> None:
    config = parse_config(example(), base=ROOT, env={"BUURTWACHT_HEALTH_PORT": "9090"})
    assert config.health_port == 9090 and config.health_listen == "127.0.0.1"
    config = parse_config({**example(), "health": {"port": 9100}}, base=ROOT,
                          env={"BUURTWACHT_HEALTH_LISTEN": "0.0.0.0"})
    assert config.health_port == 9100 and config.health_listen == "0.0.0.0"
    assert parse_config(example(), base=ROOT, env={}).health_port is None
    assert error_of(example(), env={"BUURTWACHT_HEALTH_PORT": "nine"}) == (
        'BUURTWACHT_HEALTH_PORT: expected a port number 0-65535, got "nine"')
    # "²" passes str.isdigit() but not int(): one line, no traceback.
    assert error_of(example(), env={"BUURTWACHT_HEALTH_PORT": "²"}) == (
        'BUURTWACHT_HEALTH_PORT: expected a port number 0-65535, got "²"')
    assert error_of(example(), env={"BUURTWACHT_HEALTH_PORT": "70000"}) == (
        'BUURTWACHT_HEALTH_PORT: expected a port number 0-65535, got "70000"')


def test_missing_file_and_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[bot\nlanguage = 'nl'", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


def test_cli_reports_config_error_in_one_line_without_traceback(tmp_path: Path) -> None:
    data = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('code = "WK079413"', 'code = "abc"')
    path = tmp_path / "config.toml"
    path.write_text(data, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "check-config", "--config", str(path)],
        capture_output=True, text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        'buurtwacht: config error: areas.helmond.wijken[3].code: expected CBS wijkcode like WK079401, got "abc"'
    )


def test_run_without_token_says_what_is_missing(tmp_path: Path) -> None:
    # As a service runs it (--no-demo); without that flag the demo starts (tests/ops/test_demo.py).
    result = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "run", "--no-demo", "--config", str(EXAMPLE_CONFIG)],
        capture_output=True, text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, check=False,
    )
    assert result.returncode == 2
    assert "BUURTWACHT_TOKEN" in result.stderr and "BotFather" in result.stderr
    assert "Traceback" not in result.stderr


def test_alerts_expiry_per_category_and_relay_time_to_live() -> None:
    from bot.core.domain import Category

    config = load_config(EXAMPLE_CONFIG, env={})
    assert config.alert_expiry_minutes == 120 and config.alert_relay_ttl_minutes == 60
    data = example()
    data["alerts"].update(relay_ttl_minutes=45, expiry_by_category={"burglary_in_progress": 30})
    config = parse_config(data, base=ROOT, env={})
    assert config.alert_relay_ttl_minutes == 45
    assert config.alert_expiry_by_category == {Category.BURGLARY_IN_PROGRESS: 30}
    data["alerts"]["relay_ttl_minutes"] = 0
    assert error_of(data) == "alerts.relay_ttl_minutes: expected a number above 0, got 0"
    data["alerts"].pop("relay_ttl_minutes")
    data["alerts"]["expiry_by_category"] = {"ufo": 10}
    assert "alerts.expiry_by_category.ufo: unknown category" in error_of(data)
    data["alerts"] = {"relay_ttl": 10}
    assert "alerts.relay_ttl: unknown key" in error_of(data)


def test_patrol_section_is_read_and_checked() -> None:
    import tomllib

    from bot.config.schema import ConfigError, parse_config
    from bot.patrol.rules import rules_from_config

    data = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["patrol"] = {"round_minutes": 90, "shortage_hours": 12, "reminder_minutes": 30, "min_walkers": 3}
    rules = rules_from_config(parse_config(data, base=EXAMPLE_CONFIG.parent, env={}))
    assert (rules.duration.total_seconds(), rules.shortage_lead.total_seconds()) == (90 * 60, 12 * 3600)
    assert (rules.reminder_lead.total_seconds(), rules.default_min_walkers) == (30 * 60, 3)
    for bad, message in (({"min_walkers": 0}, "patrol.min_walkers: expected a number above 0, got 0"),
                         ({"round_minutes": 1000}, "patrol.round_minutes: expected at most 720 minutes"),
                         ({"walkers": 2}, "patrol.walkers: unknown key")):
        data["patrol"] = bad
        with pytest.raises(ConfigError) as error:
            parse_config(data, base=EXAMPLE_CONFIG.parent, env={})
        assert str(error.value).startswith(message)


def test_an_unknown_top_level_table_is_refused() -> None:
    """A typo in a table name ([routng]) must not silently leave the defaults in place."""
    data = example()
    data["routng"] = data.pop("routing")
    message = error_of(data)
    assert message.startswith("routng: unknown key (known: ") and "routing" in message


@pytest.mark.parametrize("secret", ["s3cret", "x", "a" * 15, "sixteen chars with a space", "a" * 257])
def test_a_short_or_odd_webhook_secret_is_refused(secret: str) -> None:
    data = example()
    data["webhook"] = {"url": "https://buurtwacht.example.nl/telegram", "secret_token": secret}
    assert error_of(data).startswith("webhook.secret_token: expected a random secret of 16-256 characters")
    # The environment's secret is held to the same rule.
    data["webhook"] = {"url": "https://buurtwacht.example.nl/telegram"}
    assert error_of(data, env={"BUURTWACHT_WEBHOOK_SECRET": secret}).startswith("webhook.secret_token: expected")


def test_a_sixteen_character_webhook_secret_is_accepted() -> None:
    data = example()
    data["webhook"] = {"url": "https://buurtwacht.example.nl/telegram", "secret_token": "A" * 8 + "b_-9" * 2}
    config = parse_config(data, base=ROOT, env={})
    assert config.webhook is not None and config.webhook.secret_token == "AAAAAAAAb_-9b_-9"


def test_a_group_belongs_to_one_team() -> None:
    data = example()
    data["teams"][1]["groups"] = [data["teams"][0]["groups"][0]]
    assert error_of(data) == ("teams[1].groups[0]: group -1001000000010 is configured twice (also at teams[0].groups[0]); "
                              "a group is the alert group of one team")
    data = example()
    data["teams"][0]["groups"] = [-1001000000010, -1001000000010]
    assert error_of(data).startswith("teams[0].groups[1]: group -1001000000010 is configured twice (also at teams[0].groups[0])")
    data = example()
    data["teams"][0]["groups"] = [0]
    assert "teams[0].groups[0]: expected a Telegram group chat id, which is negative" in error_of(data)


def buurten_of_binnenstad(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The first wijk's buurten, with every postcode of the config cleared: the test sets them."""
    for gemeente in data["areas"].values():
        for wijk in gemeente["wijken"]:
            for buurt in wijk["buurten"]:
                buurt.pop("postcodes", None)
    wijk = data["areas"]["helmond"]["wijken"][0]
    assert wijk["code"] == "WK079410"
    return list(wijk["buurten"])


@pytest.mark.parametrize(("first", "second", "expected"), [
    # The same pattern, or overlapping ones of the same kind, in two buurten: which one is meant?
    (["5701AA-5701AZ"], ["5701AA-5701AZ"], "postcodes[0]: 5701AA-5701AZ overlaps 5701AA-5701AZ of buurt BU07941000"),
    (["5701AA-5701AZ"], ["5701AT-5701BF"], "postcodes[0]: 5701AT-5701BF overlaps 5701AA-5701AZ of buurt BU07941000"),
    (["5701AA-5701ZZ"], ["5701KA-5701KZ"], "postcodes[0]: 5701KA-5701KZ overlaps 5701AA-5701ZZ"),
    (["5701AB"], ["5701AB"], "postcodes[0]: 5701AB overlaps 5701AB of buurt BU07941000"),
    (["5701"], ["5701"], "postcodes[0]: 5701 overlaps 5701 of buurt BU07941000"),
    (["5701AB", "5701"], ["5702", "5701"], "postcodes[1]: 5701 overlaps 5701 of buurt BU07941000 "
                                            "(at areas.helmond.wijken[0].buurten[0].postcodes[1])"),
    # A PC4 that another buurt's range covers entirely never matches.
    (["5701AA-5701ZZ"], ["5701"], "postcodes[0]: 5701 never matches: 5701AA-5701ZZ of buurt BU07941000"),
    (["5700AA-5702ZZ"], ["5701"], "postcodes[0]: 5701 never matches: 5700AA-5702ZZ of buurt BU07941000"),
])
def test_a_postcode_in_two_buurten_is_refused(first: list[str], second: list[str], expected: str) -> None:
    data = example()
    buurten = buurten_of_binnenstad(data)
    buurten[0]["postcodes"], buurten[1]["postcodes"] = first, second
    message = error_of(data)
    assert message.startswith("areas.helmond.wijken[0].buurten[1].") and expected in message, message
    assert "the offline postcode lookup could not tell which buurt is meant" in message or "never matches" in message


@pytest.mark.parametrize(("first", "second", "probe", "buurt"), [
    (["5701"], ["5701AB"], "5701AB", "BU07941002"),  # one PC6 of the PC4 is another buurt's: the PC6 wins
    (["5701"], ["5701KA-5701KZ"], "5701KC", "BU07941002"),  # a part of the PC4 is: the range wins
    (["5701AA-5701AZ"], ["5701AK"], "5701AK", "BU07941002"),  # one PC6 of the range
    (["5701AA-5701AZ"], ["5701BA-5701BZ"], "5701AZ", "BU07941000"),  # neighbouring ranges
    (["5701AA-5701AZ", "5701AK", "5701"], ["5702"], "5701AK", "BU07941000"),  # one buurt may repeat itself
])
def test_deliberate_exceptions_and_neighbours_are_accepted(first: list[str], second: list[str], probe: str,
                                                           buurt: str) -> None:
    from bot.geo.locate import PostcodeMap

    data = example()
    buurten = buurten_of_binnenstad(data)
    buurten[0]["postcodes"], buurten[1]["postcodes"] = first, second
    config = parse_config(data, base=ROOT, env={})
    lookup = PostcodeMap([(b.code, p) for _, _, b in config.all_buurten() for p in b.postcodes])
    assert lookup.lookup(probe) == buurt


def test_a_reversed_postcode_range_is_refused() -> None:
    data = example()
    buurten_of_binnenstad(data)[0]["postcodes"] = ["5701AZ-5701AA"]
    assert error_of(data) == ('areas.helmond.wijken[0].buurten[0].postcodes[0]: expected a range from low to high '
                              'like 5701AA-5701AZ, got "5701AZ-5701AA"')


def test_two_teams_with_one_name_are_refused() -> None:
    """Teams are found by name (/team, /uitnodigen coordinator <team>): two of one name were merged,
    and a coordinator ended up coordinating another team's buurten."""
    data = example()
    data["teams"][1]["name"] = " " + data["teams"][0]["name"].upper()
    message = error_of(data)
    assert message.startswith("teams[1].name: a team named "), message
    assert "teams[0]" in message


@pytest.mark.parametrize(("section", "key", "value", "expected"), [
    ("privacy", "retention_days", 99999999999, "privacy.retention_days: expected at most 3650"),
    ("privacy", "exact_point_hours", 10**12, "privacy.exact_point_hours: expected at most"),
    ("incidents", "merge_distance_m", float("nan"), "incidents.merge_distance_m: expected a number above 0"),
    ("incidents", "merge_distance_m", float("inf"), "incidents.merge_distance_m: expected at most"),
    ("incidents", "merge_minutes", 10**15, "incidents.merge_minutes: expected at most"),
])
def test_numbers_that_would_break_later_are_refused(section: str, key: str, value: Any, expected: str) -> None:
    data = example()
    data.setdefault(section, {})[key] = value
    assert error_of(data).startswith(expected), error_of(data)


def test_webapp_section_is_read_and_checked() -> None:
    data = example()
    data["webapp"] = {"url": "https://kaart.example.nl/buurtwacht", "port": 8099, "tiles": ""}
    config = parse_config(data, base=ROOT, env={})
    assert config.webapp is not None
    assert (config.webapp.path, config.webapp.port, config.webapp.tiles, config.webapp.max_age_minutes) == (
        "/buurtwacht/", 8099, "", 60)
    assert "OpenStreetMap" in parse_config({**data, "webapp": {"url": "https://k.example.nl/"}},
                                           base=ROOT, env={}).webapp.attribution  # type: ignore[union-attr]


@pytest.mark.parametrize("webapp, expected", [
    ({"url": "http://kaart.example.nl/"}, "webapp.url: expected the public https:// URL of the Mini App"),
    ({}, "webapp.url: missing, expected the public https:// URL of the Mini App"),
    ({"url": "https://k.example.nl/", "port": 70000}, "webapp.port: expected a port number 0-65535"),
    ({"url": "https://k.example.nl/", "tiles": "https://tiles.example.nl/x.png"}, "webapp.tiles: expected an https:// tile URL"),
    ({"url": "https://k.example.nl/", "tiles": "https://t.example.nl/{z}/{x}/{y}.png"},
     "webapp.attribution: expected the attribution"),
    ({"url": "https://k.example.nl/", "max_age_minutes": 0}, "webapp.max_age_minutes: expected a number above 0"),
    ({"url": "https://k.example.nl/", "colour": "red"}, "webapp.colour: unknown key"),
])
def test_webapp_errors_name_the_key(webapp: dict[str, Any], expected: str) -> None:
    data = example()
    data["webapp"] = webapp
    assert error_of(data).startswith(expected)


def test_webapp_under_the_webhook_host() -> None:
    data = example()
    data["webhook"] = {"url": "https://buurtwacht.example.nl/telegram", "secret_token": WEBHOOK_SECRET}
    data["webapp"] = {}
    config = parse_config(data, base=ROOT, env={})
    assert config.webapp is not None and config.webapp.url == "https://buurtwacht.example.nl/webapp/"
    data["webapp"] = {"url": "https://buurtwacht.example.nl/telegram"}
    assert "is the webhook's path" in error_of(data)


def test_a_directory_given_as_config_is_one_line(tmp_path: Path) -> None:
    """Issue 18, item 11: `check-config` on a directory said a traceback."""
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
