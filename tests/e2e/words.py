"""The shop's words in a journey's language, read from the same compiled catalog the app
uses, so a Korean journey finds its buttons and labels by the Korean the shopper sees."""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations, Translations

import app

TRANSLATIONS = Path(app.__file__).parent / "translations"


class Words:
    def __init__(self, locale: str):
        self.locale = locale
        self._catalog = (NullTranslations() if locale == "en"
                         else Translations.load(str(TRANSLATIONS), [locale]))
        # Without its compiled catalog a "Korean" journey would quietly run in English.
        assert locale == "en" or isinstance(self._catalog, Translations), (
            f"no compiled {locale} catalog under {TRANSLATIONS}: pybabel compile -d it")

    def __call__(self, msgid: str, **values) -> str:
        text = self._catalog.gettext(msgid)
        return text % values if values else text
