"""Text as people typed it, made safe to store and to write: the one text cleaner.

Light on purpose (nothing but the standard library): the store imports it, and
so does every page's kernel.
"""

from __future__ import annotations


def clean_text(text: str) -> str:
    """Text as typed, made storable and writable as UTF-8: a lone surrogate (a broken emoji from a
    browser) or a NUL becomes U+FFFD instead of crashing a write; a surrogate pair becomes its character.

    The one text cleaner: the store's checks (:func:`orb_widgets.store.checks.text`), the workbook's
    entries and every export (:mod:`orb_widgets.exports`) use it.

    >>> clean_text("a\\ud800b"), clean_text("a\\x00b"), clean_text("\\ud83d\\ude00")
    ('a\\ufffdb', 'a\\ufffdb', '😀')
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", "\ufffd") if "\x00" in text else text
