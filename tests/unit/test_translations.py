"""The Korean catalog covers every message the code and templates show, with no fuzzy or
malformed entry: a page must never fall back to English for one forgotten sentence.

The messages are extracted afresh from the sources (as ``pybabel extract`` with
app/translations/babel.cfg would), so a new ``_()`` without its translation fails here.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def _extracted() -> set[str]:
    with open(TRANSLATIONS / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {message if isinstance(message, str) else message[0]
            for _file, _line, message, _comments, _context
            in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}


def _korean_catalog():
    with open(TRANSLATIONS / "ko" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def _first(string) -> str:
    return string if isinstance(string, str) else (string[0] if string else "")


def test_every_message_has_a_korean_translation():
    catalog = _korean_catalog()
    translated = {_first(message.id) for message in catalog
                  if message.id and _first(message.string) and not message.fuzzy}
    missing = sorted(_extracted() - translated)
    assert not missing, "messages without a Korean translation (README, Languages):\n" + \
        "\n".join(missing)


def test_no_fuzzy_or_malformed_translation():
    catalog = _korean_catalog()
    fuzzy = sorted(_first(message.id) for message in catalog if message.id and message.fuzzy)
    assert not fuzzy, "fuzzy translations:\n" + "\n".join(fuzzy)
    # Babel's checkers: the %(name)s placeholders of each translation match its msgid's.
    problems = [f"{_first(message.id)}: {'; '.join(map(str, errors))}"
                for message, errors in catalog.check()]
    assert not problems, "\n".join(problems)
