"""``buurtwacht demo``: the real bot against the local emulator, played from one terminal.

No token and no internet: the emulator runs on 127.0.0.1, the database is a throw-away file.
You play the resident, the coordinator and the wijkagent; every chat's messages are printed,
and buttons (inline buttons and the reply keyboard, e.g. "share my location") are pressed
by number.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config.schema import Config, ConfigError, PdokConfig, load_config
from bot.emulator import Emulator, FloodLimits
from bot.emulator.state import SentMessage

GROUP_ID = -1001000000010
EXAMPLE_CONFIG_NAME = "config.example.toml"
# Where a shared location lands when you just press Enter: Helmond, buurt Centrum.
DEFAULT_POINT = (51.4795, 5.6560)
DEFAULT_POINT_NAME = "Helmond, Centrum"


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    name: str
    role: str


PERSONAS = {
    "bewoner": Persona("bewoner", 100001, "Ria (bewoner)", "resident"),
    "coordinator": Persona("coordinator", 500001, "Cor (coördinator BPT Binnenstad)", "coordinator"),
    "wijkagent": Persona("wijkagent", 200010, "Wijkagent Binnenstad", "wijkagent"),
}

HELP = f"""\
Opdrachten (al het andere gaat als bericht van de huidige persoon naar de bot):
  /as bewoner | coordinator | wijkagent   wissel van persoon (je begint als bewoner)
  /groep  /prive                          typ in de groep van het team, of in je privéchat
  <nummer>   of   =<tekst>                druk op de knop met dat nummer (of die tekst)
  /locatie <breedte> <lengte>             deel een locatie (bijv. /locatie {DEFAULT_POINT[0]} {DEFAULT_POINT[1]});
                                          een "📍"-knop vraagt om coördinaten (Enter: {DEFAULT_POINT_NAME})
  /foto                                   stuur een foto
  /hulp                                   deze uitleg;  /stop (of Ctrl-C, Ctrl-D)  stoppen
Probeer: /melding (als bewoner) en druk op de knoppen; kijk wat de groep en de wijkagent krijgen.
"""


class Outcome(enum.Enum):
    STOP = "stop"
    LOCAL = "local"  # handled by the console itself: nothing to wait for
    SENT = "sent"  # something went to the bot: wait for its answer


@dataclass(frozen=True)
class Button:
    chat_id: int
    message_id: int
    label: str
    callback_data: str | None = None  # an inline button
    request_location: bool = False  # a reply-keyboard button that shares the location


def message_buttons(message: SentMessage) -> list[Button]:
    """Inline buttons and reply-keyboard buttons of a message, in reading order."""
    markup = message.reply_markup or {}
    buttons = [Button(message.chat_id, message.message_id, label, callback_data=data)
               for label, data in message.buttons]
    for row in markup.get("keyboard", []) or []:
        for key in row:
            key = key if isinstance(key, dict) else {"text": str(key)}
            buttons.append(Button(message.chat_id, message.message_id, str(key.get("text", "")),
                                  request_location=bool(key.get("request_location"))))
    return buttons


class DemoConsole:
    def __init__(self, emulator: Emulator, out: Any = sys.stdout) -> None:
        self.emulator = emulator
        self.world = emulator.world
        self.out = out
        self.persona = PERSONAS["bewoner"]
        self.in_group = False
        self.buttons: dict[int, Button] = {}
        self.next_button = 1
        self.awaiting_location: Button | None = None
        self.world.on_message.append(self.show)
        self.world.on_edit.append(lambda m: self.show(m, edited=True))

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def chat_name(self, chat_id: int) -> str:
        if chat_id == GROUP_ID:
            return "groep BPT Binnenstad"
        for persona in PERSONAS.values():
            if persona.user_id == chat_id:
                return f"privé {persona.name}"
        return f"chat {chat_id}"

    def show(self, message: SentMessage, edited: bool = False) -> None:
        label = "bewerkt" if edited else "bericht"
        lines = [f"\n┌─ {self.chat_name(message.chat_id)} · {label} #{message.message_id}"]
        lines += [f"│ {line}" for line in strip_html(transcript_text(message)).splitlines()]
        for button in message_buttons(message):
            number = self.next_button
            self.next_button += 1
            self.buttons[number] = button
            lines.append(f"│   [{number}] {button.label}")
        lines.append("└─")
        self.say("\n".join(lines))

    def prompt(self) -> str:
        if self.awaiting_location is not None:
            return f"locatie (<breedte> <lengte>, Enter = {DEFAULT_POINT_NAME})> "
        where = "groep" if self.in_group else "privé"
        return f"{self.persona.key}@{where}> "

    def handle(self, line: str) -> Outcome:
        """Act on one input line."""
        line = line.strip()
        if self.awaiting_location is not None:
            return self._share_location(line)
        if not line:
            return Outcome.LOCAL
        world, persona = self.world, self.persona
        chat_id = GROUP_ID if self.in_group else None
        if line in ("/stop", "/quit", "/exit"):
            return Outcome.STOP
        if line in ("/hulp", "/help?"):
            self.say(HELP)
            return Outcome.LOCAL
        if line.split()[0] == "/as":
            key = line[3:].strip().lower()
            if key in PERSONAS:
                self.persona = PERSONAS[key]
                self.say(f"→ je bent nu {self.persona.name}")
            else:
                self.say(f"→ kies uit: {', '.join(PERSONAS)}")
            return Outcome.LOCAL
        if line in ("/groep", "/prive"):
            self.in_group = line == "/groep"
            self.say("→ je typt nu in de groep BPT Binnenstad" if self.in_group
                     else "→ je typt nu in je privéchat met de bot")
            return Outcome.LOCAL
        if line.isdigit():
            button = self.buttons.get(int(line))
            if button is None:
                self.say("→ geen knop met dat nummer")
                return Outcome.LOCAL
            return self.press(button)
        elif line.startswith("="):
            button = self._find_button(line[1:].strip())
            if button is None:
                self.say("→ geen knop met die tekst")
                return Outcome.LOCAL
            return self.press(button)
        elif line.split()[0] in ("/loc", "/locatie"):
            try:
                lat, lon = (float(x) for x in line.split()[1:3])
            except ValueError:
                self.say(f"→ gebruik: /locatie {DEFAULT_POINT[0]} {DEFAULT_POINT[1]}")
                return Outcome.LOCAL
            world.send_location(persona.user_id, lat, lon, chat_id=chat_id)
            self.say(f"→ [locatie {lat:.5f}, {lon:.5f}] gedeeld")
        elif line == "/foto":
            world.send_photo(persona.user_id, chat_id=chat_id)
            self.say("→ [foto] verstuurd")
        else:
            world.send_text(persona.user_id, line, chat_id=chat_id)
        return Outcome.SENT

    def _find_button(self, text: str) -> Button | None:
        """The newest button whose label contains (or whose data equals) the text, in the chat
        you are typing in."""
        here = GROUP_ID if self.in_group else self.persona.user_id
        for number in sorted(self.buttons, reverse=True):
            button = self.buttons[number]
            if button.chat_id == here and (button.callback_data == text or text.lower() in button.label.lower()):
                return button
        return None

    def press(self, button: Button) -> Outcome:
        persona = self.persona
        if button.callback_data is not None:
            self.world.press_button(persona.user_id, button.chat_id, button.message_id, button.callback_data)
            return Outcome.SENT
        # A reply-keyboard button belongs to the chat it was shown in, as in Telegram.
        if button.chat_id not in (persona.user_id, GROUP_ID):
            self.say(f"→ die knop staat in de chat van {self.chat_name(button.chat_id)}; wissel eerst met /as")
            return Outcome.LOCAL
        if button.request_location:
            self.awaiting_location = button
            self.say("→ Telegram vraagt je locatie te delen: typ <breedte> <lengte>, of Enter voor "
                     f"{DEFAULT_POINT_NAME} ({DEFAULT_POINT[0]} {DEFAULT_POINT[1]})")
            return Outcome.LOCAL
        chat_id = None if button.chat_id == persona.user_id else button.chat_id
        self.world.send_text(persona.user_id, button.label, chat_id=chat_id)
        return Outcome.SENT

    def _share_location(self, line: str) -> Outcome:
        button = self.awaiting_location
        assert button is not None
        if line in ("/annuleer", "/stop"):
            self.awaiting_location = None
            self.say("→ locatie niet gedeeld")
            return Outcome.LOCAL
        try:
            lat, lon = (float(x) for x in line.replace(",", " ").split()[:2]) if line else DEFAULT_POINT
        except ValueError:
            self.say(f"→ typ twee getallen, bijvoorbeeld {DEFAULT_POINT[0]} {DEFAULT_POINT[1]}, of Enter")
            return Outcome.LOCAL
        self.awaiting_location = None
        chat_id = None if button.chat_id == self.persona.user_id else button.chat_id
        self.world.send_location(self.persona.user_id, lat, lon, chat_id=chat_id)
        self.say(f"→ [locatie {lat:.5f}, {lon:.5f}] gedeeld")
        return Outcome.SENT


def transcript_text(message: SentMessage) -> str:
    """What a chat shows, with what is not text marked: [foto], [locatie …], [document]."""
    if message.location is not None:
        return f"[locatie {message.location['latitude']:.5f}, {message.location['longitude']:.5f}]"
    body = message.text or message.caption or ""
    if message.photo is not None:
        return f"[foto] {body}".rstrip()
    if message.document is not None:
        return f"[document] {body}".rstrip()
    return body


def strip_html(text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?(b|i|u|s|code|pre|a|tg-spoiler|blockquote)( [^>]*)?>", "", text))


def demo_config(config_path: Path, emulator: Emulator, database: Path) -> Config:
    config = load_config(config_path, env={})
    fields = {f: getattr(config, f) for f in config.__dataclass_fields__}
    # Offline: no PDOK; typed postcodes use the config's postcode ranges.
    fields.update(api_url=emulator.base_url, file_url=emulator.base_file_url, database=database,
                  webhook=None, pdok=PdokConfig(enabled=False), health_port=None)
    return Config(**fields)


def example_config_candidates() -> list[Path]:
    """Where the example config may be: the current folder, then the checkout this code is in."""
    here = Path.cwd() / EXAMPLE_CONFIG_NAME
    checkout = Path(__file__).resolve().parents[2] / EXAMPLE_CONFIG_NAME
    return list(dict.fromkeys([here, checkout]))


def resolve_config(config_path: Path | None) -> tuple[Path | None, str | None]:
    """The config the demo plays with, and a note when it is not the one asked for.

    The demo needs areas, officers and a team: without a config of your own it plays the
    example (``buurtwacht run`` at a terminal without a token passes the default config.toml,
    which usually does not exist yet)."""
    if config_path is not None and config_path.exists():
        return config_path, None
    for candidate in example_config_candidates():
        if candidate.exists():
            note = None if config_path is None else f"({config_path} niet gevonden: de demo speelt {candidate})"
            return candidate, note
    return None, None


async def run(config_path: Path, lines: Iterator[str] | None = None, out: Any = sys.stdout) -> int:
    from bot.app.application import build_application
    from bot.delivery.sender import Limits
    from bot.runtime.services import create_services

    # A played script types faster than any person: Telegram's per-chat limit would hold the
    # bot's answers back past the point where the next line is typed.
    emulator = Emulator(limits=FloodLimits(enabled=lines is None))
    await emulator.start()
    world = emulator.world
    for persona in PERSONAS.values():
        world.add_user(persona.user_id, persona.name.split(" ")[0])
    world.add_group(GROUP_ID, "BPT Binnenstad", members={500001: "creator", 100001: "member", 200010: "member"})
    console = DemoConsole(emulator, out)
    with tempfile.TemporaryDirectory(prefix="buurtwacht-demo-") as tmp:
        try:
            config = demo_config(config_path, emulator, Path(tmp) / "demo.db")
        except ConfigError as error:
            print(f"buurtwacht: config error: {error}", file=sys.stderr)
            await emulator.stop()
            return 2
        services = await create_services(config)
        app = build_application(config, emulator.token, services=services, sender_limits=Limits())
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        print(f"Buurtwacht-demo: de bot praat met een Telegram-nabootsing op deze computer ({emulator.base_url})\n"
              f"(geen token, geen internet; database {config.database.name} wordt na afloop weggegooid)\n",
              file=out)
        print(HELP, file=out, flush=True)
        try:
            await interact(console, lines)
            if lines is not None and services.sender is not None:
                # The end of a played script: let what it caused arrive before stopping.
                with contextlib.suppress(TimeoutError):
                    await services.sender.wait_idle(within=15)
        finally:
            # Also on Ctrl-C (the task is cancelled): stop the bot and the emulator cleanly.
            await app.updater.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
            await emulator.stop()
            print("Demo gestopt.", file=out, flush=True)
    return 0


class TerminalLines:
    """Lines typed at the terminal, read by the event loop itself (``add_reader``).

    ``input()`` in a worker thread would keep ``asyncio.run`` from ending after Ctrl-C: the
    default executor waits for the thread, which waits for a line that never comes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:  # Ctrl-D / end of input
            self.close()
            self.lines.put_nowait(None)
            return
        self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.lines.put_nowait(line.decode("utf-8", errors="replace").rstrip("\r"))

    async def next(self) -> str | None:
        return await self.lines.get()

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            self.loop.remove_reader(self.fd)


async def interact(console: DemoConsole, lines: Iterator[str] | None) -> None:
    world = console.world
    terminal = TerminalLines(sys.stdin.fileno()) if lines is None else None
    try:
        while True:
            if terminal is not None:
                print(console.prompt(), end="", file=console.out, flush=True)
                line = await terminal.next()
                if line is None:
                    print(file=console.out)
                    return
            else:
                line = next(lines, None)  # type: ignore[arg-type]
                if line is None:
                    return
                print(console.prompt() + line, file=console.out)
            outcome = console.handle(line)
            if outcome is Outcome.STOP:
                return
            if outcome is Outcome.SENT:
                await settle(world)
    finally:
        if terminal is not None:
            terminal.close()


def activity(world: Any) -> int:
    return int(world.sent_count + sum(m.edits for ms in world.messages.values() for m in ms))


async def settle(world: Any) -> None:
    """Let the bot answer before the next prompt: wait for its first reply, then until it is
    quiet for a moment (a demo nicety; tests wait on events instead). Only after something
    went to the bot: the console's own commands answer at once."""
    seen = activity(world)
    within = 3.0
    while True:
        try:
            await world.wait_for(lambda seen=seen: activity(world) > seen, within=within)
        except TimeoutError:
            return
        seen = activity(world)
        within = 0.3


def run_demo(config_path: Path | None, script: list[str] | None = None) -> int:
    resolved, note = resolve_config(config_path)
    if resolved is None:
        tried = ([str(config_path)] if config_path else []) + [str(p) for p in example_config_candidates()]
        print(f"buurtwacht: config error: no config for the demo; tried {', '.join(tried)}", file=sys.stderr)
        return 2
    if note:
        print(note, file=sys.stderr)
    try:
        return asyncio.run(run(resolved, iter(script) if script is not None else None))
    except KeyboardInterrupt:
        # asyncio.run cancelled the demo (which stopped the bot and the emulator) and re-raised.
        return 0
