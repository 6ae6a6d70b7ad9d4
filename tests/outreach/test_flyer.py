"""/flyer (issue 20): an A4 PDF with the follow link as a QR code, tested as a printer and a
phone would meet it: the PDF is rendered to PNG (pdftoppm, Debian poppler-utils) and the QR
code read back (zbarimg, Debian zbar-tools). .ci/setup installs both; without them (and not in
CI) these tests are skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.core.domain import Role
from bot.outreach.flyer import FlyerContent, flyer_languages, render_flyer
from bot.outreach.follow import FollowTarget
from storage import teams, users
from tests.conftest import BOT_USERNAME, BotHarness, RecordingRequest

COORDINATOR = 500001  # BPT Binnenstad in the example config
RESIDENT = 100001
ADMIN = 900001
TOOLS = ("pdftoppm", "pdftotext", "zbarimg")


def need_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {missing}: .ci/setup installs poppler-utils and zbar-tools")
        pytest.skip(f"not installed: {missing} (Debian poppler-utils, zbar-tools)")


def read_back(pdf: bytes, folder: Path) -> tuple[str, str, Path, int]:
    """(QR code contents, the PDF's text, the PNG, number of pages)."""
    path = folder / "flyer.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(path), str(folder / "flyer")], check=True,
                   timeout=60)
    png = folder / "flyer.png"
    qr = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=False, timeout=60)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return qr.stdout.strip(), text, png, pages


def test_languages_on_a_flyer() -> None:
    assert flyer_languages("nl") == ["nl"]
    assert flyer_languages("tr") == ["tr", "nl"]
    assert flyer_languages("ar") == ["nl"]  # reportlab does not shape Arabic: Dutch only


@pytest.mark.parametrize("language", ["en", "tr", "nl"])
def test_the_flyer_is_one_a4_page_whose_qr_code_opens_the_link(tmp_path: Path, language: str) -> None:
    need_tools()
    link = "https://t.me/WaalreBuurtBot?start=volg_BU08660001"
    pdf = render_flyer(FlyerContent("Aalst", "Waalre", link), language)
    assert pdf.startswith(b"%PDF")
    qr, text, png, pages = read_back(pdf, tmp_path)
    assert qr == link
    assert pages == 1 and png.stat().st_size > 10_000
    info = subprocess.run(["pdfinfo", str(tmp_path / "flyer.pdf")], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    flat = " ".join(text.split())
    for needed in ("Buurtwacht Aalst", "Waalre", "Telegram installeren", "Signaleer", "Alarmeer", "Reageer",
                   "112", "0900-8844", "0800-7000", "Meld Misdaad Anoniem", link):
        assert needed in flat, needed
    if language == "en":
        assert "Install Telegram" in flat and "Important numbers" in flat and "English" in flat
    if language == "tr":
        assert "Telegram'ı yükleyin" in flat and "Önemli numaralar" in flat  # Turkish letters survive


class KeepingFiles(RecordingRequest):
    """Also keeps the files sent (multipart), which the JSON parameters leave out."""

    files: list[bytes]

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        if request_data is not None and request_data.multipart_data:
            self.files = getattr(self, "files", [])
            self.files += [part[1] for part in request_data.multipart_data.values()]
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_a_coordinator_gets_the_flyer_of_their_team(harness: BotHarness, tmp_path: Path) -> None:
    need_tools()
    h = harness
    keeping = KeepingFiles()
    h.app.bot._request = (keeping, keeping)  # type: ignore[attr-defined]
    team = await teams.team_by_name(h.services.db, "BPT Binnenstad")
    assert team is not None
    await h.send(h.updates.message(COORDINATOR, "/flyer", language="en"))
    sent = keeping.sent(COORDINATOR, "sendDocument")
    assert len(sent) == 1, keeping.calls
    link = f"https://t.me/{BOT_USERNAME}?start=volg_team{team.id}"
    assert link in sent[0]["caption"] and "BPT Binnenstad" in sent[0]["caption"]
    qr, text, _, _ = read_back(keeping.files[-1], tmp_path)
    assert qr == link
    assert "Buurtwacht BPT Binnenstad" in " ".join(text.split())

    # One of the team's buurten by code; a buurt of another team is refused.
    await h.send(h.updates.message(COORDINATOR, "/flyer bu07941000"))
    assert "volg_BU07941000" in keeping.sent(COORDINATOR, "sendDocument")[-1]["caption"]
    await h.send(h.updates.message(COORDINATOR, "/flyer BU07942100"))
    assert "cannot make a flyer" in keeping.last_text(COORDINATOR)  # in their language (English)
    assert len(keeping.sent(COORDINATOR, "sendDocument")) == 2


async def test_residents_may_not_and_admins_may_for_their_gemeente(harness: BotHarness) -> None:
    h = harness
    await h.send(h.updates.message(RESIDENT, "/flyer"))
    assert "Alleen coördinatoren en beheerders" in h.request.last_text(RESIDENT)
    assert h.request.sent(RESIDENT, "sendDocument") == []
    async with h.services.db.transaction() as tx:
        await users.grant_role(tx, ADMIN, Role.ADMIN, "GM0794", granted_by=None)
    await h.send(h.updates.message(ADMIN, "/flyer"))  # several teams: which one?
    assert "/flyer BU07941000" in h.request.last_text(ADMIN) and "BPT Binnenstad" in h.request.last_text(ADMIN)
    await h.send(h.updates.message(ADMIN, "/flyer BU07941300"))
    assert "volg_BU07941300" in h.request.sent(ADMIN, "sendDocument")[-1]["caption"]
    await h.send(h.updates.message(ADMIN, "/flyer BU08610002"))  # Veldhoven: not their gemeente
    assert "geen flyer" in h.request.last_text(ADMIN)
    for forged in ("/flyer 999", "/flyer ²", "/flyer BU0794100", "/flyer team1 extra"):
        await h.send(h.updates.message(ADMIN, forged))
        assert "Gebruik: /flyer" in h.request.last_text(ADMIN)
    assert FollowTarget.team(1).token == "team1"
