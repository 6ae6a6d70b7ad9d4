"""The CLI as a first user meets it: --help pages that explain every option, invites that
cannot be born expired, one-shot commands that print their result and no log chatter, and
import-areas for one gemeente."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.schema import load_config
from bot.ops.cli import build_parser
from tests.conftest import EXAMPLE_CONFIG, ROOT, SHARED_DATA


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("BUURTWACHT_TOKEN", "BUURTWACHT_LOG_LEVEL")}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=120, env={**environment, **(env or {})})


def local_config(tmp_path: Path, database: str = "cli.db") -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "buurtwacht.db"', f'database = "{tmp_path / database}"')
    text = text.replace('polygons = "bot/data/', f'polygons = "{ROOT}/bot/data/')
    path = tmp_path / f"{database}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def parsers(parser: argparse.ArgumentParser, name: str = "buurtwacht") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found += parsers(sub, f"{name} {sub_name}")
    return found


def test_every_option_of_every_command_has_a_description() -> None:
    every = parsers(build_parser())
    assert {name for name, _ in every} >= {"buurtwacht run", "buurtwacht demo", "buurtwacht import-areas",
                                           "buurtwacht admin invite", "buurtwacht backup"}
    for name, parser in every:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
                continue
            assert action.help, f"{name}: {action.option_strings or action.dest} has no description"
    # And on the page itself, as a person reads it.
    page = run_cli("admin", "invite", "--help").stdout
    assert "--days 1-365" in page and "how many days the link stays valid" in page
    assert "--bot-username NAME" in page and "t.me link" in page


@pytest.mark.parametrize("days", ["0", "-1", "366", "7.5", "²", "99999999999999999999"])
def test_invite_days_outside_1_to_365_are_refused(tmp_path: Path, days: str) -> None:
    result = run_cli("admin", "invite", "--config", str(local_config(tmp_path)), "--scope", "GM0794", "--days", days)
    assert result.returncode == 2 and "expected a whole number of days from 1 to 365" in result.stderr
    assert not (tmp_path / "cli.db").exists()  # refused before anything was made


def test_one_shot_commands_print_their_result_without_log_lines(tmp_path: Path) -> None:
    config = str(local_config(tmp_path))
    invite = run_cli("admin", "invite", "--config", config, "--scope", "GM0794", "--days", "365",
                     "--bot-username", "@WaalreBuurtBot")
    assert invite.returncode == 0, invite.stderr
    assert invite.stderr == ""  # it was 13 INFO lines about migrations
    assert invite.stdout.startswith("https://t.me/WaalreBuurtBot?start=") and "one-time invite for admin GM0794" in invite.stdout
    migrated = run_cli("migrate", "--config", config)
    assert migrated.returncode == 0 and migrated.stderr == ""
    # Asked for, the log lines are there (a new database: its migrations): before or after the subcommand.
    for n, args in enumerate((("--log-level", "info", "admin", "invite"), ("admin", "invite", "--log-level", "INFO"))):
        loud = run_cli(*args, "--config", str(local_config(tmp_path, f"loud{n}.db")), "--scope", "GM0794")
        assert loud.returncode == 0 and " INFO " in loud.stderr, loud.stderr
    from_env = run_cli("check-config", "--config", config, env={"BUURTWACHT_LOG_LEVEL": "DEBUG"})
    assert from_env.returncode == 0


def test_import_areas_for_one_gemeente(tmp_path: Path) -> None:
    buurten = SHARED_DATA / "cbs-2024-buurten-helmond-kempen.geojson"
    wijken = SHARED_DATA / "cbs-2024-wijken-helmond-kempen.geojson"
    if not wijken.exists():
        pytest.skip(f"the shared CBS files are not at {SHARED_DATA}")
    result = run_cli("import-areas", str(buurten), str(wijken), "--gemeente", "GM0866", "--out", "waalre.geojson",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[areas.waalre]" in out and "[areas.helmond]" not in out and 'code = "GM0794"' not in out
    assert 'code = "WK086600"\nname = "Waalre"' in out and "fill in" not in out
    assert 'code = "BU08660001"\n  name = "Aalst"' in out
    (tmp_path / "config.toml").write_text(out, encoding="utf-8")
    checked = run_cli("check-config", "--config", str(tmp_path / "config.toml"))
    assert checked.returncode == 0, checked.stderr
    assert "config OK: 1 gemeente, 1 wijk, 5 buurten" in checked.stdout
    config = load_config(tmp_path / "config.toml", env={})
    assert [b.code for _, _, b in config.all_buurten()] == [f"BU086600{n:02d}" for n in (0, 1, 2, 3, 9)]

    # A gemeente that is not in the files, or a code that is not one: one line, nothing written.
    missing = run_cli("import-areas", str(buurten), "--gemeente", "GM0363", "--out", "x.geojson", cwd=tmp_path)
    assert missing.returncode == 2 and "no buurten of GM0363" in missing.stderr and missing.stderr.count("\n") == 1
    bad = run_cli("import-areas", str(buurten), "--gemeente", "Waalre", "--out", "x.geojson", cwd=tmp_path)
    assert bad.returncode == 2 and "expected a CBS gemeentecode like GM0866" in bad.stderr
    assert not (tmp_path / "x.geojson").exists()


@pytest.mark.parametrize("scope", ["²", "١٢", "12345678901234567890", "0", "GM٠٧٩٤", "WK0794", "team:1", "99"])
def test_admin_invite_refuses_a_scope_that_is_not_one(tmp_path: Path, scope: str) -> None:
    """`--scope ²` and a 20-digit team number used to be stored; the person who claimed the
    invite then met an unhandled error in every command. Team 99 does not exist."""
    result = run_cli("admin", "invite", "--config", str(local_config(tmp_path)), "--scope", scope)
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("buurtwacht: --scope: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_admin_invite_for_a_team_that_exists(tmp_path: Path) -> None:
    result = run_cli("admin", "invite", "--config", str(local_config(tmp_path)), "--scope", "1", "--role",
                     "coordinator")
    assert result.returncode == 0, result.stderr
    assert "one-time invite for coordinator team:1" in result.stdout
    admin = run_cli("admin", "invite", "--config", str(local_config(tmp_path)), "--scope", "1", "--role", "admin")
    assert admin.returncode == 2 and "a team number goes with --role coordinator" in admin.stderr


def test_backup_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    config = str(local_config(tmp_path))
    assert run_cli("migrate", "--config", config).returncode == 0
    for target in (tmp_path / "no" / "such" / "dir" / "backup.db", Path("/proc/buurtwacht-backup.db")):
        result = run_cli("backup", str(target), "--config", config)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"buurtwacht: backup: cannot write {target}"), result.stderr
        assert not target.exists()
    done = run_cli("backup", str(tmp_path / "backup.db"), "--config", config)
    assert done.returncode == 0 and "backup written to" in done.stdout, done.stderr


@pytest.mark.parametrize(("line", "expected"), [
    ("retention_days = 99999999999", "privacy.retention_days: expected at most 3650"),
    ("merge_distance_m = nan", "incidents.merge_distance_m: expected a number above 0"),
    ("merge_distance_m = inf", "incidents.merge_distance_m: expected at most 100000"),
    ("merge_distance_m = 1e12", "incidents.merge_distance_m: expected at most 100000"),
])
def test_check_config_and_run_refuse_numbers_that_break_later(tmp_path: Path, line: str,
                                                              expected: str) -> None:
    """A retention of 10^11 days overflowed in every retention run; an infinite or NaN merge
    distance merged every report (or none): refused in one line before anything starts."""
    path = local_config(tmp_path)
    key = line.split(" = ")[0]
    text, found = re.subn(rf"(?m)^{key} = .*$", line, path.read_text(encoding="utf-8"), count=1)
    assert found == 1, key
    path.write_text(text, encoding="utf-8")
    for command in ("check-config", "run"):
        result = run_cli(command, "--config", str(path), env={"BUURTWACHT_TOKEN": "123456:TEST"})
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"buurtwacht: config error: {expected}"), (command, lines)
    assert not (tmp_path / "cli.db").exists()


def test_a_database_that_cannot_be_opened_is_one_line_in_every_command(tmp_path: Path) -> None:
    path = local_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(str(tmp_path / "cli.db"), str(tmp_path / "missing/dir/cli.db")),
                    encoding="utf-8")
    config = str(path)
    for command in (("migrate",), ("admin", "invite", "--scope", "GM0794")):
        result = run_cli(*command, "--config", config)
        assert result.returncode == 5, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"buurtwacht: cannot use the database {tmp_path}/missing/dir/"), \
            (command, result.stderr)


def test_import_areas_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    buurten = SHARED_DATA / "cbs-2024-buurten-helmond-kempen.geojson"
    if not buurten.exists():
        pytest.skip(f"the shared CBS files are not at {SHARED_DATA}")
    out = tmp_path / "no" / "dir" / "areas.geojson"
    result = run_cli("import-areas", str(buurten), "--gemeente", "GM0866", "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"buurtwacht: import-areas: cannot write {out}"), result.stderr
    assert result.stdout == ""


def test_restore_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    config = str(local_config(tmp_path))
    assert run_cli("migrate", "--config", config).returncode == 0
    assert run_cli("backup", str(tmp_path / "backup.db"), "--config", config).returncode == 0
    path = local_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(str(tmp_path / "cli.db"), str(tmp_path / "gone/cli.db")),
                    encoding="utf-8")
    result = run_cli("restore", str(tmp_path / "backup.db"), "--config", str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"buurtwacht: restore: cannot write {tmp_path}/gone/cli.db"), \
        result.stderr
