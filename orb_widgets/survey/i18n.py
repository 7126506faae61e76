"""The form's own words in other languages: gettext message catalogues read with Babel.

The catalogues are the ``.po`` files in ``locale/<lang>/LC_MESSAGES/``;
they are compiled in memory when first used, so there is no build step and a
translator edits one text file. To add the form's words in a language, run
``pybabel extract -F babel.cfg -k N_ -o orb_widgets/survey/locale/messages.pot .``
and ``pybabel init -i orb_widgets/survey/locale/messages.pot -d orb_widgets/survey/locale -l vi``,
then write the translations.

>>> translations("es").gettext("Send my answers")
'Enviar mis respuestas'
"""

from __future__ import annotations

import functools
import gettext
import io

from ..resources import package_dir

LOCALE_DIR = package_dir("orb_widgets.survey") / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


def catalogue_languages() -> list[str]:
    """Languages the form's own words are translated into (English needs no catalogue)."""
    return ["en", *sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))]


@functools.lru_cache(maxsize=None)
def translations(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The form's words in ``language``; English (and a missing catalogue) gives them unchanged.

    ``domain`` names another catalogue beside the form's: ``staffpage`` holds the staff page's words.
    """
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)
