"""``buurtwacht demo``: the real bot against the local emulator, played from one terminal.

No token and no internet: the emulator runs on 127.0.0.1, the database is a throw-away file.
You play the resident, the coordinator and the wijkagent; every chat's messages are printed,
and buttons (inline buttons and the reply keyboard, e.g. "share my location") are pressed
by number.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import enum
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config.schema import Config, ConfigError, Officer, PdokConfig, TeamConfig, load_config
from bot.core.i18n import Translator, translator
from bot.emulator import Emulator, FloodLimits
from bot.emulator.state import SentMessage
from bot.webapp.initdata import init_data_for
from bot.webapp.links import MAP_MODE, PLACE_MODE, local_url
from bot.webapp.server import WebAppServer

GROUP_ID = -1001000000010  # the team's group when the config names none
RESIDENT_ID = 100001
EXAMPLE_CONFIG_NAME = "config.example.toml"


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    name: str
    role: str


@dataclass(frozen=True)
class Cast:
    """Who plays in the demo, taken from the config: its first wijk with a wijkagent (a
    Telegram id) and a team with a coordinator, that team's group, and a point in its buurt."""

    personas: dict[str, Persona]
    group_id: int
    group_title: str
    buurt_code: str
    place: str  # "Helmond, Centrum": where a shared location lands when you press Enter
    point: tuple[float, float] = (0.0, 0.0)


# Typed after /as, the same in every language (the console's other words are translated:
# the demo speaks the config's language); the English words work too.
PERSONA_KEYS = {"resident": "bewoner", "coordinator": "coordinator", "wijkagent": "wijkagent"}
PERSONA_ALIASES = {"resident": "bewoner", "officer": "wijkagent", "coördinator": "coordinator"}


def cast_from_config(config: Config, t: Translator) -> Cast | None:
    """The first wijk (in config order) with a wijkagent that has a Telegram id and a team
    with a coordinator covering one of its buurten; None when the config has no such wijk."""
    for gemeente in config.gemeenten:
        for wijk in gemeente.wijken:
            agent = next((o for o in wijk.wijkagenten if o.telegram_id is not None), None)
            codes = [b.code for b in wijk.buurten]
            team = next((tm for tm in config.teams if tm.coordinators and set(tm.buurten) & set(codes)), None)
            if agent is None or agent.telegram_id is None or team is None:
                continue
            buurt = next(b for b in wijk.buurten if b.code in team.buurten)
            taken = {agent.telegram_id, *team.coordinators}
            resident = next(i for i in range(RESIDENT_ID, RESIDENT_ID + 10) if i not in taken)
            keys = PERSONA_KEYS
            personas = {
                keys["resident"]: Persona(keys["resident"], resident, t.gettext("Ria (bewoner)"), "resident"),
                keys["coordinator"]: Persona(
                    keys["coordinator"], team.coordinators[0],
                    t.gettext("Cor (coördinator {team})").format(team=team.name), "coordinator"),
                keys["wijkagent"]: Persona(
                    keys["wijkagent"], agent.telegram_id,
                    agent.name or t.gettext("Wijkagent {wijk}").format(wijk=wijk.name), "wijkagent"),
            }
            return Cast(personas, team.groups[0] if team.groups else GROUP_ID, team.name, buurt.code,
                        f"{gemeente.name}, {buurt.name}")
    return None


def help_text(t: Translator, cast: Cast) -> str:
    keys = " | ".join(cast.personas)
    lat, lon = cast.point
    rows = [
        (f"/as {keys}", t.gettext("wissel van persoon (je begint als {resident})").format(
            resident=next(iter(cast.personas)))),
        ("/groep  /prive", t.gettext("typ in de groep van het team, of in je privéchat")),
        (t.gettext("<nummer>   of   =<tekst>"), t.gettext("druk op de knop met dat nummer (of die tekst)")),
        (t.gettext("/locatie <breedte> <lengte>"), t.gettext("deel een locatie (bijv. /locatie {lat} {lon});").format(
            lat=lat, lon=lon)),
        ("", t.gettext('een "📍"-knop vraagt om coördinaten (Enter: {place})').format(place=cast.place)),
        ("/foto", t.gettext("stuur een foto")),
        ("/hulp", t.gettext("deze uitleg;  /stop (of Ctrl-C, Ctrl-D)  stoppen")),
    ]
    width = max(len(left) for left, _ in rows) + 3
    lines = [t.gettext("Opdrachten (al het andere gaat als bericht van de huidige persoon naar de bot):")]
    lines += [f"  {left.ljust(width)}{right}" for left, right in rows]
    lines.append(t.gettext("Probeer: /melding (als bewoner) en druk op de knoppen; kijk wat de groep en de "
                           "wijkagent krijgen."))
    lines.append(t.gettext("Knopnummers beginnen op elk scherm opnieuw bij 1."))
    return "\n".join(lines) + "\n"


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
    def __init__(self, emulator: Emulator, cast: Cast, t: Translator, out: Any = sys.stdout) -> None:
        self.emulator = emulator
        self.world = emulator.world
        self.cast = cast
        self.t = t
        self.out = out
        self.persona = next(iter(cast.personas.values()))
        self.in_group = False
        # Numbers shown on the current screen (they restart at 1 on each screen that has
        # buttons); every button seen stays reachable by its text (=<tekst>).
        self.buttons: dict[int, Button] = {}
        self.seen: list[Button] = []
        self.next_button = 1
        self.new_screen = True
        self.awaiting_location: Button | None = None
        self.world.on_message.append(self.show)
        self.world.on_edit.append(lambda m: self.show(m, edited=True))

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def chat_name(self, chat_id: int) -> str:
        t = self.t
        if chat_id == self.cast.group_id:
            return t.gettext("groep {name}").format(name=self.cast.group_title)
        for persona in self.cast.personas.values():
            if persona.user_id == chat_id:
                return t.gettext("privé {name}").format(name=persona.name)
        return t.gettext("chat {id}").format(id=chat_id)

    def persona_for(self, key: str) -> Persona | None:
        key = key.strip().lower()
        return self.cast.personas.get(PERSONA_ALIASES.get(key, key))

    def show(self, message: SentMessage, edited: bool = False) -> None:
        t = self.t
        label = t.gettext("bewerkt") if edited else t.gettext("bericht")
        lines = [f"\n┌─ {self.chat_name(message.chat_id)} · {label} #{message.message_id}"]
        lines += [f"│ {line}" for line in strip_html(transcript_text(message)).splitlines()]
        buttons = message_buttons(message)
        if buttons and self.new_screen:
            self.buttons.clear()
            self.next_button = 1
            self.new_screen = False
        for button in buttons:
            number = self.next_button
            self.next_button += 1
            self.buttons[number] = button
            self.seen.append(button)
            lines.append(f"│   [{number}] {button.label}")
        lines.append("└─")
        self.say("\n".join(lines))

    def prompt(self) -> str:
        t = self.t
        if self.awaiting_location is not None:
            return t.gettext("locatie (<breedte> <lengte>, Enter = {place})> ").format(place=self.cast.place)
        where = t.gettext("groep") if self.in_group else t.gettext("privé")
        return f"{self.persona.key}@{where}> "

    def handle(self, line: str) -> Outcome:
        """Act on one input line."""
        t = self.t
        line = line.strip()
        self.new_screen = True
        if self.awaiting_location is not None:
            return self._share_location(line)
        if not line:
            return Outcome.LOCAL
        world, persona = self.world, self.persona
        chat_id = self.cast.group_id if self.in_group else None
        command = line.split()[0]
        lat, lon = self.cast.point
        if line in ("/stop", "/quit", "/exit"):
            return Outcome.STOP
        if line in ("/hulp", "/help?"):
            self.say(help_text(t, self.cast))
            return Outcome.LOCAL
        if command == "/as":
            chosen = self.persona_for(line[3:])
            if chosen is not None:
                self.persona = chosen
                self.say("→ " + t.gettext("je bent nu {name}").format(name=chosen.name))
            else:
                self.say("→ " + t.gettext("kies uit: {keys}").format(keys=", ".join(self.cast.personas)))
            return Outcome.LOCAL
        if line in ("/groep", "/group", "/prive", "/private"):
            self.in_group = line in ("/groep", "/group")
            self.say("→ " + (t.gettext("je typt nu in de groep {name}").format(name=self.cast.group_title)
                             if self.in_group else t.gettext("je typt nu in je privéchat met de bot")))
            return Outcome.LOCAL
        if line.isdigit():
            button = self.buttons.get(int(line))
            if button is None:
                self.say("→ " + t.gettext("geen knop met dat nummer"))
                return Outcome.LOCAL
            return self.press(button)
        elif line.startswith("="):
            button = self._find_button(line[1:].strip())
            if button is None:
                self.say("→ " + t.gettext("geen knop met die tekst"))
                return Outcome.LOCAL
            return self.press(button)
        elif command in ("/loc", "/locatie", "/location"):
            try:
                lat, lon = (float(x) for x in line.split()[1:3])
            except ValueError:
                self.say("→ " + t.gettext("gebruik: /locatie {lat} {lon}").format(lat=lat, lon=lon))
                return Outcome.LOCAL
            world.send_location(persona.user_id, lat, lon, chat_id=chat_id)
            self.say("→ " + t.gettext("[locatie {lat}, {lon}] gedeeld").format(lat=f"{lat:.5f}", lon=f"{lon:.5f}"))
        elif line in ("/foto", "/photo"):
            world.send_photo(persona.user_id, chat_id=chat_id)
            self.say("→ " + t.gettext("[foto] verstuurd"))
        else:
            world.send_text(persona.user_id, line, chat_id=chat_id)
        return Outcome.SENT

    def _find_button(self, text: str) -> Button | None:
        """The newest button whose label contains (or whose data equals) the text, in the chat
        you are typing in."""
        here = self.cast.group_id if self.in_group else self.persona.user_id
        for button in reversed(self.seen):
            if button.chat_id == here and (button.callback_data == text or text.lower() in button.label.lower()):
                return button
        return None

    def press(self, button: Button) -> Outcome:
        t = self.t
        persona = self.persona
        if button.callback_data is not None:
            self.world.press_button(persona.user_id, button.chat_id, button.message_id, button.callback_data)
            return Outcome.SENT
        # A reply-keyboard button belongs to the chat it was shown in, as in Telegram.
        if button.chat_id not in (persona.user_id, self.cast.group_id):
            self.say("→ " + t.gettext("die knop staat in de chat van {chat}; wissel eerst met /as").format(
                chat=self.chat_name(button.chat_id)))
            return Outcome.LOCAL
        if button.request_location:
            self.awaiting_location = button
            lat, lon = self.cast.point
            self.say("→ " + t.gettext("Telegram vraagt je locatie te delen: typ <breedte> <lengte>, of Enter "
                                      "voor {place} ({lat} {lon})").format(place=self.cast.place, lat=lat, lon=lon))
            return Outcome.LOCAL
        chat_id = None if button.chat_id == persona.user_id else button.chat_id
        self.world.send_text(persona.user_id, button.label, chat_id=chat_id)
        return Outcome.SENT

    def _share_location(self, line: str) -> Outcome:
        t = self.t
        button = self.awaiting_location
        assert button is not None
        if line in ("/annuleer", "/cancel", "/stop"):
            self.awaiting_location = None
            self.say("→ " + t.gettext("locatie niet gedeeld"))
            return Outcome.LOCAL
        try:
            lat, lon = (float(x) for x in line.replace(",", " ").split()[:2]) if line else self.cast.point
        except ValueError:
            self.say("→ " + t.gettext("typ twee getallen, bijvoorbeeld {lat} {lon}, of Enter").format(
                lat=self.cast.point[0], lon=self.cast.point[1]))
            return Outcome.LOCAL
        self.awaiting_location = None
        chat_id = None if button.chat_id == self.persona.user_id else button.chat_id
        self.world.send_location(self.persona.user_id, lat, lon, chat_id=chat_id)
        self.say("→ " + t.gettext("[locatie {lat}, {lon}] gedeeld").format(lat=f"{lat:.5f}", lon=f"{lon:.5f}"))
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


def demo_config(config: Config, emulator: Emulator, database: Path) -> Config:
    # Offline: no PDOK; typed postcodes use the config's postcode ranges.
    return dataclasses.replace(config, api_url=emulator.base_url, file_url=emulator.base_file_url,
                               database=database, webhook=None, pdok=PdokConfig(enabled=False),
                               health_port=None)


DEMO_WIJKAGENT_ID = 200001
DEMO_COORDINATOR_ID = 500001


def with_stand_ins(config: Config, t: Translator) -> Config:
    """A new gemeente's config has its officers as invites and no teams yet: the demo then
    gives its first wijk a stand-in wijkagent and its first buurt a team with a coordinator and
    a group (only in the demo's throw-away database)."""
    gemeente = config.gemeenten[0]
    wijk = gemeente.wijken[0]
    buurt = wijk.buurten[0]
    agent = Officer(DEMO_WIJKAGENT_ID, t.gettext("Wijkagent {wijk}").format(wijk=wijk.name))
    wijken = (dataclasses.replace(wijk, wijkagenten=(agent, *wijk.wijkagenten)), *gemeente.wijken[1:])
    team = TeamConfig(t.gettext("BPT {buurt}").format(buurt=buurt.name), (buurt.code,),
                      coordinators=(DEMO_COORDINATOR_ID,), groups=(GROUP_ID,))
    return dataclasses.replace(config, gemeenten=(dataclasses.replace(gemeente, wijken=wijken), *config.gemeenten[1:]),
                               teams=(*config.teams, team))


def load_demo_config(config_path: Path) -> tuple[Config, Translator, Cast, str | None]:
    """The config the demo plays (the given one, with stand-ins when it has nobody to play),
    the language the demo speaks (the config's), its cast, and a note about the stand-ins."""
    config = load_config(config_path, env={})
    t = translator(config.language)
    cast = cast_from_config(config, t)
    note = None
    if cast is None:
        config = with_stand_ins(config, t)
        cast = cast_from_config(config, t)
        assert cast is not None
        note = t.gettext("{config} heeft nog geen wijk met een wijkagent (met Telegram-id) en een team: de demo "
                         "speelt met een wijkagent en een team voor {buurt} die alleen in de demo bestaan").format(
            config=config_path, buurt=cast.place)
    return config, t, cast, note


def example_config_candidates() -> list[Path]:
    """Where the example config may be: the current folder, then the checkout this code is in."""
    here = Path.cwd() / EXAMPLE_CONFIG_NAME
    checkout = Path(__file__).resolve().parents[2] / EXAMPLE_CONFIG_NAME
    return list(dict.fromkeys([here, checkout]))


def resolve_config(config_path: Path | None) -> tuple[Path | None, bool]:
    """The config the demo plays with, and whether it is not the one asked for.

    The demo needs areas, officers and a team: without a config of your own it plays the
    example (``buurtwacht run`` at a terminal without a token passes the default config.toml,
    which usually does not exist yet)."""
    if config_path is not None and config_path.exists():
        return config_path, False
    for candidate in example_config_candidates():
        if candidate.exists():
            return candidate, config_path is not None
    return None, False


def map_lines(t: Translator, cast: Cast, now: dt.datetime, token: str, base: str) -> list[str]:
    """The Mini App in a browser: the wijkagent's map and the resident's place picker, signed in
    as Telegram would (the link works for an hour, as a real sign-in does)."""
    lines = []
    for key, mode in (("wijkagent", MAP_MODE), ("resident", PLACE_MODE)):
        persona = cast.personas.get(PERSONA_KEYS[key])
        if persona is not None:
            url = local_url(base, mode, init_data_for(persona.user_id, token, at=now, first_name=persona.name))
            lines.append(t.gettext("Kaart (Mini App) in je browser, als {name}: {url}").format(name=persona.name, url=url))
    return lines


async def run(config_path: Path, lines: Iterator[str] | None = None, out: Any = sys.stdout) -> int:
    from bot.app.application import build_application
    from bot.delivery.sender import Limits
    from bot.runtime.services import create_services

    try:
        base, t, cast, _ = load_demo_config(config_path)
    except ConfigError as error:
        print(f"buurtwacht: config error: {error}", file=sys.stderr)
        return 2
    # A played script types faster than any person: Telegram's per-chat limit would hold the
    # bot's answers back past the point where the next line is typed.
    emulator = Emulator(limits=FloodLimits(enabled=lines is None))
    await emulator.start()
    world = emulator.world
    for persona in cast.personas.values():  # the demo's people speak the config's language
        world.add_user(persona.user_id, persona.name.split(" ")[0], language_code=base.language)
    roles = {"coordinator": "creator", "resident": "member", "wijkagent": "member"}
    world.add_group(cast.group_id, cast.group_title,
                    members={p.user_id: roles[p.role] for p in cast.personas.values()})
    with tempfile.TemporaryDirectory(prefix="buurtwacht-demo-") as tmp:
        config = demo_config(base, emulator, Path(tmp) / "demo.db")
        services = await create_services(config)
        # Enter at the "share location" question lands in the cast's buurt.
        centre = services.locator.index.centroid(cast.buurt_code)
        if centre is not None:
            cast = dataclasses.replace(cast, point=(round(centre.lat, 5), round(centre.lon, 5)))
        console = DemoConsole(emulator, cast, t, out)
        app = build_application(config, emulator.token, services=services, sender_limits=Limits())
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        webapp = WebAppServer(services, emulator.token)
        webapp_port = await webapp.start("127.0.0.1", 0)
        print(t.gettext("Buurtwacht-demo: de bot praat met een Telegram-nabootsing op deze computer ({url})").format(
            url=emulator.base_url), file=out)
        for line in map_lines(t, cast, services.now(), emulator.token, f"http://127.0.0.1:{webapp_port}/webapp/"):
            print(line, file=out)
        print("(" + t.gettext("geen token, geen internet; database {name} wordt na afloop weggegooid").format(
            name=config.database.name) + ")\n", file=out)
        print(help_text(t, cast), file=out, flush=True)
        try:
            await interact(console, lines)
            if lines is not None and services.sender is not None:
                # The end of a played script: let what it caused arrive before stopping.
                with contextlib.suppress(TimeoutError):
                    await services.sender.wait_idle(within=15)
        finally:
            # Also on Ctrl-C (the task is cancelled): stop the bot and the emulator cleanly.
            await webapp.stop()
            await app.updater.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
            await emulator.stop()
            print(t.gettext("Demo gestopt."), file=out, flush=True)
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


def no_token_text(t: Translator, env_name: str) -> str:
    """What ``buurtwacht run`` says when it starts the demo for want of a token, in the
    language of the config the demo plays."""
    return "\n".join([
        t.gettext("buurtwacht: geen bot-token. Zet de omgevingsvariabele {name}:").format(name=env_name),
        "",
        f"    export {env_name}=123456789:AA...   # " + t.gettext("van @BotFather in Telegram: /newbot"),
        "",
        t.gettext("Het token wordt nooit uit een bestand in de repository gelezen."),
        t.gettext("Nu start de offline demo (geen token, geen internet nodig)..."),
        "",
    ])


def run_demo(config_path: Path | None, script: list[str] | None = None, *, no_token_env: str | None = None) -> int:
    """Play the demo; ``no_token_env`` names the token variable when ``buurtwacht run``
    started it because that variable was empty."""
    resolved, note = resolve_config(config_path)
    if resolved is None:
        tried = ([str(config_path)] if config_path else []) + [str(p) for p in example_config_candidates()]
        print(f"buurtwacht: config error: no config for the demo; tried {', '.join(tried)}", file=sys.stderr)
        return 2
    try:
        _, t, _, stand_ins = load_demo_config(resolved)
    except ConfigError as error:
        print(f"buurtwacht: config error: {error}", file=sys.stderr)
        return 2
    if no_token_env:
        print(no_token_text(t, no_token_env), file=sys.stderr)
    if stand_ins:
        print("(" + stand_ins + ")", file=sys.stderr)
    if note:
        print("(" + t.gettext("{asked} niet gevonden: de demo speelt {played}").format(
            asked=config_path, played=resolved) + ")", file=sys.stderr)
    try:
        return asyncio.run(run(resolved, iter(script) if script is not None else None))
    except KeyboardInterrupt:
        # asyncio.run cancelled the demo (which stopped the bot and the emulator) and re-raised.
        return 0
