"""``buurtwacht demo``: the real bot against the local emulator, played from one terminal.

No token and no internet: the emulator runs on 127.0.0.1, the database is a throw-away file.
You play the resident, the coordinator and the wijkagent; every chat's messages are printed,
and buttons are pressed by number.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Config, ConfigError, PdokConfig, load_config
from bot.emulator import Emulator, FloodLimits
from bot.emulator.state import SentMessage

GROUP_ID = -1001000000010


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

HELP = """\
Commands (anything else is sent as a message by the current persona):
  /as bewoner | coordinator | wijkagent   switch persona (the resident starts)
  /groep  /prive                          type in the team's group, or in your private chat
  <number>   or   =<label>                press the button with that number (or label)
  /loc <lat> <lon>                        share a location (e.g. /loc 51.4795 5.6560)
  /foto                                   send a photo
  /hulp                                   this help;  /stop  quit
Try: /melding  (as bewoner), then press the buttons; watch the group and the wijkagent.
"""


class DemoConsole:
    def __init__(self, emulator: Emulator, out: Any = sys.stdout) -> None:
        self.emulator = emulator
        self.world = emulator.world
        self.out = out
        self.persona = PERSONAS["bewoner"]
        self.in_group = False
        self.buttons: dict[int, tuple[int, int, str]] = {}
        self.next_button = 1
        self.world.on_message.append(self.show)
        self.world.on_edit.append(lambda m: self.show(m, edited=True))

    def chat_name(self, chat_id: int) -> str:
        if chat_id == GROUP_ID:
            return "groep BPT Binnenstad"
        for persona in PERSONAS.values():
            if persona.user_id == chat_id:
                return f"privé {persona.name}"
        return f"chat {chat_id}"

    def show(self, message: SentMessage, edited: bool = False) -> None:
        label = "bewerkt" if edited else "bericht"
        text = message.text or message.caption or ("[foto]" if message.photo else "[document]")
        lines = [f"\n┌─ {self.chat_name(message.chat_id)} · {label} #{message.message_id}"]
        lines += [f"│ {line}" for line in strip_html(text).splitlines()]
        for button_label, data in message.buttons:
            number = self.next_button
            self.next_button += 1
            self.buttons[number] = (message.chat_id, message.message_id, data)
            lines.append(f"│   [{number}] {button_label}")
        lines.append("└─")
        print("\n".join(lines), file=self.out, flush=True)

    def prompt(self) -> str:
        where = "groep" if self.in_group else "privé"
        return f"{self.persona.key}@{where}> "

    def handle(self, line: str) -> bool:
        """Act on one input line; False to stop."""
        line = line.strip()
        if not line:
            return True
        world, persona = self.world, self.persona
        chat_id = GROUP_ID if self.in_group else None
        if line in ("/stop", "/quit", "/exit"):
            return False
        if line in ("/hulp", "/help?"):
            print(HELP, file=self.out)
        elif line.startswith("/as"):
            key = line[3:].strip().lower()
            if key in PERSONAS:
                self.persona = PERSONAS[key]
                print(f"→ je bent nu {self.persona.name}", file=self.out)
            else:
                print(f"→ kies uit: {', '.join(PERSONAS)}", file=self.out)
        elif line == "/groep":
            self.in_group = True
        elif line == "/prive":
            self.in_group = False
        elif line.isdigit():
            target = self.buttons.get(int(line))
            if target is None:
                print("→ geen knop met dat nummer", file=self.out)
            else:
                world.press_button(persona.user_id, target[0], target[1], target[2])
        elif line.startswith("="):
            try:
                world.press(persona.user_id, GROUP_ID if self.in_group else persona.user_id, line[1:].strip())
            except KeyError:
                print("→ geen knop met die tekst", file=self.out)
        elif line.startswith("/loc"):
            try:
                lat, lon = (float(x) for x in line.split()[1:3])
            except ValueError:
                print("→ gebruik: /loc 51.4795 5.6560", file=self.out)
            else:
                world.send_location(persona.user_id, lat, lon, chat_id=chat_id)
        elif line == "/foto":
            world.send_photo(persona.user_id, chat_id=chat_id)
        else:
            world.send_text(persona.user_id, line, chat_id=chat_id)
        return True


def strip_html(text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>", "", text))


def demo_config(config_path: Path, emulator: Emulator, database: Path) -> Config:
    config = load_config(config_path, env={})
    fields = {f: getattr(config, f) for f in config.__dataclass_fields__}
    # Offline: no PDOK; typed postcodes use the config's postcode ranges.
    fields.update(api_url=emulator.base_url, file_url=emulator.base_file_url, database=database,
                  webhook=None, pdok=PdokConfig(enabled=False))
    return Config(**fields)


async def run(config_path: Path, lines: Any = None, out: Any = sys.stdout) -> int:
    from bot.app import build_application
    from bot.sender import Limits
    from bot.services import create_services

    emulator = Emulator(limits=FloodLimits())
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
        print(f"Buurtwacht demo: the bot talks to a local Telegram emulator at {emulator.base_url}\n"
              f"(no token, no internet; database {config.database.name} is thrown away afterwards)\n",
              file=out)
        print(HELP, file=out, flush=True)
        try:
            await interact(console, lines)
        finally:
            await app.updater.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
            await emulator.stop()
    print("Demo gestopt.", file=out)
    return 0


async def interact(console: DemoConsole, lines: Any) -> None:
    loop = asyncio.get_running_loop()
    world = console.world
    while True:
        if lines is None:
            try:
                line = await loop.run_in_executor(None, input, console.prompt())
            except EOFError:
                return
        else:
            line = next(lines, None)
            if line is None:
                return
            print(console.prompt() + line, file=console.out)
        if not console.handle(line):
            return
        await settle(world)


def activity(world: Any) -> int:
    return int(world.sent_count + sum(m.edits for ms in world.messages.values() for m in ms))


async def settle(world: Any) -> None:
    """Let the bot answer before the next prompt: wait for its first reply, then until it is
    quiet for a moment (a demo nicety; tests wait on events instead)."""
    seen = activity(world)
    within = 3.0
    while True:
        try:
            await world.wait_for(lambda seen=seen: activity(world) > seen, within=within)
        except TimeoutError:
            return
        seen = activity(world)
        within = 0.3


def run_demo(config_path: Path, script: list[str] | None = None) -> int:
    if not config_path.exists():
        print(f"buurtwacht: config error: {config_path}: config file not found", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run(config_path, iter(script) if script is not None else None))
    except KeyboardInterrupt:
        return 0
