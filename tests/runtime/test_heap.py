"""Once started, what start-up made is out of the cycle collector's walks."""

from __future__ import annotations

import gc

from bot.runtime.heap import settle_startup_heap


def test_the_startup_heap_is_frozen_and_its_garbage_collected_first() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    Cycle()  # garbage only the collector can free
    try:
        settle_startup_heap()
        assert gc.get_freeze_count() > 0
        assert not any(type(o) is Cycle for o in gc.get_objects())  # collected, not frozen for good
    finally:
        gc.unfreeze()
