"""The sender's queue: lanes by what a message is, turns between jobs, Telegram's limits.

Deterministic: the queue is driven with a simulated clock; every send is answered at once.
"""

from __future__ import annotations

import itertools

from bot.delivery.lanes import Lane, job_of, lane_of
from bot.delivery.queue import DeliveryQueue, Entry, Limits

ids = itertools.count(1)


def entry(chat_id: int, lane: Lane, job: tuple[str, int | str], *, paid: bool = False) -> Entry:
    return Entry(next(ids), chat_id, lane, job, paid=paid)


def broadcast(queue: DeliveryQueue, broadcast_id: int, count: int, *, first_chat: int = 400_000,
              paid: bool = False) -> list[Entry]:
    entries = [entry(first_chat + n, Lane.ALERT, ("broadcast", broadcast_id), paid=paid) for n in range(count)]
    for e in entries:
        queue.push(e)
    return entries


def run(queue: DeliveryQueue, start: float, until: float, *, at: dict[float, list[Entry]] | None = None,
        answer: float = 0.0) -> list[tuple[float, Entry]]:
    """Send whatever the queue gives, answered after ``answer`` seconds; push ``at[t]`` once the
    simulated clock reaches t. Returns (time sent, entry)."""
    arrivals = sorted((at or {}).items())
    sent: list[tuple[float, Entry]] = []
    answers: list[tuple[float, int]] = []
    now = start
    while now < until:
        while arrivals and arrivals[0][0] <= now:
            for e in arrivals.pop(0)[1]:
                queue.push(e)
        for due, chat in [a for a in answers if a[0] <= now]:
            queue.done(chat)
            answers.remove((due, chat))
        picked, wait = queue.pick(now)
        if picked is not None:
            sent.append((now, picked))
            if answer:
                answers.append((now + answer, picked.chat_id))
            else:
                queue.done(picked.chat_id)
            continue
        steps = [until]
        if wait is not None:
            steps.append(now + wait)
        if arrivals:
            steps.append(arrivals[0][0])
        steps.extend(due for due, _ in answers)
        now = max(min(steps), now + 1e-9)
    return sent


def test_lanes_by_what_a_message_is() -> None:
    assert lane_of("wijkagent", 5) is Lane.REPORT
    assert lane_of("fallback_desk", 0) is Lane.REPORT
    assert lane_of("care_desk", 5) is Lane.REPORT
    assert lane_of("team_group", 0) is Lane.REPORT  # an urgent alert to a group
    assert lane_of("team_group", 5) is Lane.ALERT
    assert lane_of("relay", 5) is Lane.ALERT
    assert lane_of("broadcast", 0) is Lane.ALERT  # even when queued as urgent
    assert lane_of("subscriber", 0) is Lane.FOLLOWER
    assert lane_of("status", 5) is Lane.FOLLOWER
    assert lane_of("walker", 5) is Lane.FOLLOWER
    assert lane_of("tip", 9) is Lane.BULK
    assert lane_of("survey", 9) is Lane.BULK
    assert lane_of("notice", 9) is Lane.BULK


def test_jobs() -> None:
    assert job_of("broadcast", 7, None, None) == ("broadcast", 7)
    assert job_of("wijkagent", None, 3, 2) == ("sighting", 3)
    assert job_of("wijkagent", None, None, 2) == ("incident", 2)  # an edit of the incident's messages
    assert job_of("tip", None, None, None) == ("kind", "tip")


def test_an_urgent_report_does_not_wait_behind_a_broadcast() -> None:
    """A 5 000-recipient broadcast drains at 30/s; a report queued 60 s in goes with the next send."""
    queue = DeliveryQueue(Limits())
    broadcast(queue, 1, 5000)
    report = [entry(200_010, Lane.REPORT, ("sighting", 1)), entry(-100_010, Lane.REPORT, ("sighting", 1))]
    sent = run(queue, 0.0, 70.0, at={60.0: report})
    times = {e.id: t for t, e in sent}
    assert all(e.id in times for e in report)
    assert times[report[0].id] - 60.0 <= 1.0 / 29  # within one send slot
    assert times[report[1].id] - 60.0 <= 2.0 / 29
    # ...and the broadcast went on at the allowed pace around it.
    assert len(sent) >= 70 * 30 * 0.97


def test_a_new_job_gets_turns_at_once_however_long_the_others_are() -> None:
    """Two broadcasts in one lane: the second's first message goes within a second of being
    queued, then they alternate."""
    queue = DeliveryQueue(Limits())
    broadcast(queue, 1, 5000)
    second = [entry(600_000 + n, Lane.ALERT, ("broadcast", 2)) for n in range(100)]
    sent = run(queue, 0.0, 40.0, at={30.0: second})
    first_of_second = min(t for t, e in sent if e.job == ("broadcast", 2))
    assert first_of_second - 30.0 < 1.0
    after = [e.job[1] for t, e in sent if t >= first_of_second][:20]
    assert after == [2, 1] * 10  # round robin
    # A third job in another lane below waits for both: strict lanes.
    assert all(e.lane is Lane.ALERT for _, e in sent)


def test_lower_lanes_wait_for_higher_ones_and_then_go() -> None:
    queue = DeliveryQueue(Limits())
    tips = [entry(300_000 + n, Lane.BULK, ("kind", "tip")) for n in range(30)]
    followers = [entry(500_000 + n, Lane.FOLLOWER, ("kind", "status")) for n in range(30)]
    for e in tips + followers:
        queue.push(e)
    broadcast(queue, 1, 30)
    lanes = [e.lane for _, e in run(queue, 0.0, 10.0)]
    assert lanes == [Lane.ALERT] * 30 + [Lane.FOLLOWER] * 30 + [Lane.BULK] * 30


def test_a_private_chat_gets_one_message_a_second_in_order() -> None:
    queue = DeliveryQueue(Limits())
    mine = [entry(100_001, Lane.FOLLOWER, ("kind", "status")) for _ in range(3)]
    others = [entry(100_100 + n, Lane.FOLLOWER, ("kind", "status")) for n in range(5)]
    for e in mine + others:
        queue.push(e)
    sent = run(queue, 0.0, 5.0)
    to_me = [(t, e.id) for t, e in sent if e.chat_id == 100_001]
    assert [i for _, i in to_me] == [e.id for e in mine]  # in order
    assert all(b - a >= 1.0 - 1e-9 for (a, _), (b, _) in itertools.pairwise(to_me))
    # The chat that must wait lets the others go meanwhile.
    assert [e.chat_id for _, e in sent][1:6] == [e.chat_id for e in others]


def test_a_group_gets_at_most_20_a_minute() -> None:
    queue = DeliveryQueue(Limits())
    for _ in range(25):
        queue.push(entry(-100_500, Lane.ALERT, ("broadcast", 9)))
    times = [t for t, _ in run(queue, 0.0, 130.0)]
    assert len(times) == 25
    assert max(sum(1 for t in times if s <= t < s + 60.0) for s in times) <= 20
    assert times[20] >= 60.0


def test_a_chat_with_a_send_in_flight_gets_nothing_more_until_it_is_answered() -> None:
    queue = DeliveryQueue(Limits(private_interval=0.0))
    first, second = entry(100_001, Lane.REPORT, ("sighting", 1)), entry(100_001, Lane.REPORT, ("sighting", 1))
    queue.push(first)
    queue.push(second)
    assert queue.pick(0.0)[0] is first
    assert queue.pick(1.0) == (None, None)  # waits for the answer, not for time
    queue.done(100_001)
    assert queue.pick(1.0)[0] is second


def test_a_429_holds_its_chat() -> None:
    queue = DeliveryQueue(Limits())
    queue.hold(100_001, 12.0)
    queue.push(e := entry(100_001, Lane.REPORT, ("sighting", 1)))
    picked, wait = queue.pick(2.0)
    assert picked is None and wait == 10.0
    assert queue.pick(12.0)[0] is e


def test_paid_broadcast_goes_at_its_own_pace_and_keeps_the_free_one_for_others() -> None:
    """Paid messages (allow_paid_broadcast) are paced at the paid rate; the 30/s stays for the
    rest, and an urgent report still goes first within its pace."""
    limits = Limits(paid_per_second=1000.0)
    queue = DeliveryQueue(limits)
    broadcast(queue, 1, 5000, paid=True)
    tips = [entry(300_000 + n, Lane.BULK, ("kind", "tip")) for n in range(100)]
    for e in tips:
        queue.push(e)
    report = [entry(200_010, Lane.REPORT, ("sighting", 1))]
    sent = run(queue, 0.0, 2.0, at={1.0: report})
    paid = [t for t, e in sent if e.paid]
    assert 1900 <= len(paid) <= 2000  # about 1 000/s, never more
    assert max(sum(1 for t in paid if s <= t < s + 1.0) for s in paid[::50]) <= 1000
    free = [t for t, e in sent if not e.paid]
    assert 50 <= len(free) <= 61  # the free pace went on meanwhile
    report_time = next(t for t, e in sent if e.lane is Lane.REPORT)
    assert report_time - 1.0 < 1.0 / 29


def test_a_lower_lane_does_not_take_the_pace_a_higher_one_waits_for() -> None:
    queue = DeliveryQueue(Limits())
    queue.push(urgent := entry(200_010, Lane.REPORT, ("sighting", 1)))
    queue.push(tip := entry(300_000, Lane.BULK, ("kind", "tip")))
    for n in range(3):  # use up the catch-up allowance
        queue.push(entry(700_000 + n, Lane.REPORT, ("sighting", 2)))
    order = [e for _, e in run(queue, 0.0, 1.0)]
    assert order.index(urgent) < order.index(tip)
    assert order[-1] is tip


def test_removing_entries() -> None:
    queue = DeliveryQueue(Limits())
    kept = broadcast(queue, 1, 3)
    queue.push(entry(-5, Lane.ALERT, ("broadcast", 1)))
    removed = queue.remove(lambda e: e.chat_id == -5)
    assert len(removed) == 1 and len(queue) == 3
    assert [e for _, e in run(queue, 0.0, 1.0)] == kept
