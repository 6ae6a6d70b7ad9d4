"""python -m bot.emulator --port 8081 [--time-scale 10] [--token …]"""

from __future__ import annotations

import argparse
import asyncio

from bot.emulator import Emulator, FloodLimits


async def serve(args: argparse.Namespace) -> None:
    emulator = Emulator(args.token, limits=FloodLimits(
        enabled=not args.no_limits, time_scale=args.time_scale, paid_per_second=args.paid_rate))
    await emulator.start(port=args.port)
    print(f"Telegram Bot API emulator on {emulator.base_url}  (token {emulator.token})", flush=True)
    print(f"control: http://127.0.0.1:{emulator.port}/_control/…  (see docs/emulator.md)", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:EMULATOR")
    parser.add_argument("--time-scale", type=float, default=1.0, help="run flood limits this many times faster")
    parser.add_argument("--paid-rate", type=float, default=1000.0,
                        help="messages/s allowed with allow_paid_broadcast (Telegram: 1000)")
    parser.add_argument("--no-limits", action="store_true", help="do not enforce flood limits")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
