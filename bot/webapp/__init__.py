"""The Mini App: the map inside Telegram (initData rules, JSON API, tornado handlers, static files)."""
