"""``buurtwacht check-config``: what a config covers and what it lacks."""

from __future__ import annotations

from bot.config.schema import Config


def count(n: int, one: str, many: str) -> str:
    """``1 wijk``, ``2 wijken``: operator output in English words, Dutch area names."""
    return f"{n} {one if n == 1 else many}"


def summary(config: Config) -> str:
    wijken = [(g, w) for g in config.gemeenten for w in g.wijken]
    buurten = config.all_buurten()
    team_buurten = {code for team in config.teams for code in team.buurten}
    lines = [
        f"config OK: {count(len(config.gemeenten), 'gemeente', 'gemeenten')}, {count(len(wijken), 'wijk', 'wijken')}, "
        f"{count(len(buurten), 'buurt', 'buurten')}, {count(len(config.teams), 'team', 'teams')}, "
        f"{count(sum(len(t.groups) for t in config.teams), 'alert group', 'alert groups')}",
        f"timezone {config.timezone.key}, language {config.language}, database {config.database}",
        f"updates by {'webhook at ' + config.webhook.url if config.webhook else 'polling'}; API {config.api_url}",
    ]
    for gemeente in config.gemeenten:
        lines.append(f"{gemeente.code} {gemeente.name}: {count(len(gemeente.wijken), 'wijk', 'wijken')}, "
                     f"{count(sum(len(w.buurten) for w in gemeente.wijken), 'buurt', 'buurten')}, "
                     f"fallback desk {'yes' if gemeente.fallback_desk else 'NO'}")
        for wijk in gemeente.wijken:
            missing = []
            if not any(o.telegram_id for o in wijk.wijkagenten):
                pending = any(o.invite for o in wijk.wijkagenten)
                missing.append("wijkagent (invite not claimed)" if pending else "wijkagent")
            if not any(o.telegram_id for o in wijk.boa):
                missing.append("BOA")
            if not any(b.code in team_buurten for b in wijk.buurten):
                missing.append("team")
            if missing:
                lines.append(f"  {wijk.code} {wijk.name}: no {', no '.join(missing)}")
    return "\n".join(lines)
