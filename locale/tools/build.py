"""Re-extract messages and (re)write the catalogs from the translation tables here.

    python locale/tools/build.py

Runs `pybabel extract` (via babel's API) over bot/ and handlers/, then writes
locale/<lang>/LC_MESSAGES/messages.po for every language with a table. Messages without a
translation stay empty in the catalog (the tests say which ones must be complete).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "N_": None}
METHOD_MAP = [("bot/**.py", "python"), ("handlers/**.py", "python")]


def extracted() -> dict[object, set[str]]:
    """msgid (str, or (singular, plural)) → files that use it."""
    found: dict[object, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS):
        found.setdefault(message, set()).add(filename)
    return found


def build() -> None:
    from en import EN, EN_PLURALS
    from tr import TR, TR_PLURALS

    messages = extracted()
    for language, table, plurals in (("en", EN, EN_PLURALS), ("tr", TR, TR_PLURALS)):
        catalog = Catalog(locale=language, project="Buurtwacht", domain="messages")
        for message in sorted(messages, key=lambda m: m if isinstance(m, str) else m[0]):
            if isinstance(message, tuple):
                catalog.add(message, plurals.get(message[0], ("", "")))
            else:
                catalog.add(message, table.get(message, ""))
        target = ROOT / "locale" / language / "LC_MESSAGES" / "messages.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
        print(f"{target.relative_to(ROOT)}: {sum(1 for m in catalog if m.id and m.string)} of {len(messages)} translated")


if __name__ == "__main__":
    build()
