"""Google Forms: the responses sheet as CSV, TSV or .xlsx.

One header row starting with ``Timestamp`` (``Marca temporal`` in Spanish);
grid questions as ``Title [Row]``. Google's TSV download never quotes a cell,
so a comment that starts with a quote mark is text, not a quoted cell. Google
has no response id: a response is the minute it was sent (to the nearest
second first, as the .xlsx keeps milliseconds and an Excel re-save drops
seconds), its role group and its place among the people with the same minute
and role, so every download of one sheet gives the same keys.
"""
from __future__ import annotations

from ..matching import key
from ..registry import Vendor, register


@register
class Google(Vendor):
    name, title, order = "google", "Google Forms", 50
    meta = {"timestamp": "end", "marca temporal": "end"}
    known = frozenset({"email address", "score"})
    tsv_quotes = False

    @classmethod
    def detect(cls, head) -> bool:
        row1 = [key(c) for c in head[0]] if head else []
        return bool(row1) and row1[0] in cls.meta
