"""Area alerts that fit the job: a radius alert is accepted when its centre lies in the sender's
area and is clipped to that area; each kind of alert ends with its own line."""

from __future__ import annotations

from bot.alerts.broadcasts import broadcast_text
from bot.core import permissions
from storage import broadcasts
from tests.alerts.test_broadcasts import (
    CENTRUM,
    WIJKAGENT,
    confirm,
    follower,
    latest_broadcast,
    reached,
)
from tests.conftest import BotHarness

OOST_CENTRE = "51.4745 5.6790"  # in Helmond-Oost (WK079411), not the Binnenstad wijkagent's wijk


async def test_a_radius_reaching_past_the_wijk_is_clipped_to_it(harness: BotHarness) -> None:
    h = harness
    inside, outside = 110001, 110002
    await follower(h, inside, "BU07941005")  # Vossenberg, Binnenstad
    await follower(h, outside, "BU07941100")  # Beisterveld, Helmond-Oost
    await h.send(h.updates.message(WIJKAGENT, f"/gebiedsalarm straal {CENTRUM} 3000 vermist Man (82) met rollator"))
    preview = h.request.last_text(WIJKAGENT)
    assert "Vermiste persoon" in preview, preview
    draft = await broadcasts.get(h.services.db, await latest_broadcast(h, WIJKAGENT))
    assert draft is not None and draft.buurten
    assert all(b.startswith("BU079410") for b in draft.buurten)  # only the wijkagent's own wijk
    assert len(draft.buurten) > 4  # more than the 400 m circle: the radius did reach further
    await confirm(h, WIJKAGENT)
    assert reached(h, [inside, outside], "rollator") == {inside}
    text = h.request.last_text(inside)
    assert text.rstrip().endswith("Zie je deze persoon? Bel 112.") and "Grijp niet zelf in" not in text


async def test_a_radius_whose_centre_is_outside_the_area_is_refused(harness: BotHarness) -> None:
    h = harness
    index = h.services.locator.index
    lat, lon = (float(x) for x in OOST_CENTRE.split())
    from bot.core.domain import Point

    hit = index.lookup(Point(lat, lon))
    assert hit is not None and hit.wijk_code == "WK079411"
    assert not permissions.can_alert_area([], hit.buurt_code)
    await h.send(h.updates.message(WIJKAGENT, f"/gebiedsalarm straal {OOST_CENTRE} 500 vermist Vrouw (79)"))
    assert "buiten jouw werkgebied" in h.request.last_text(WIJKAGENT)


def test_each_kind_of_alert_has_its_own_closing_line() -> None:
    closing = {kind: broadcast_text("nl", kind, "x", sender_role="wijkagent").splitlines()[-1]
               for kind in ("missing_person", "suspect_vehicle", "scam_wave", "other", "team_alarm")}
    assert closing["missing_person"] == "Zie je deze persoon? Bel 112."
    assert "kenteken" in closing["suspect_vehicle"] and "0900-8844" in closing["scam_wave"]
    assert closing["other"] == closing["team_alarm"] == "Zie je iets? Bel 112 bij gevaar, anders 0900-8844. Grijp niet zelf in."
    assert broadcast_text("en", "missing_person", "x", sender_role="wijkagent").splitlines()[-1] == \
        "Do you see this person? Call 112."
