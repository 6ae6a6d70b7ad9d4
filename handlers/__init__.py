"""Telegram handlers: one module per feature, each reading the update, calling the feature's
service and replying with its texts. The order they run in is bot/app/registry.py."""
