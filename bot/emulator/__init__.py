"""A local emulator of the Telegram Bot API server (see docs/emulator.md)."""

from bot.emulator.server import Emulator
from bot.emulator.state import ApiError, FloodLimits, SentMessage, World

__all__ = ["ApiError", "Emulator", "FloodLimits", "SentMessage", "World"]
