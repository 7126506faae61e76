"""Google Forms: the responses sheet as CSV, TSV or .xlsx.

One header row starting with ``Timestamp`` (``Marca temporal`` in Spanish);
grid questions as ``Title [Row]``. Google's TSV download never quotes a cell,
so a comment that starts with a quote mark is text, not a quoted cell. Google
has no response id: a response is the second it was sent (rounded, as the
.xlsx keeps milliseconds), its role group and its place among the people with
the same second and role; its minute is compared only with a file that gives
no seconds (an Excel re-save). See the README's "How ORB tells a new response
from one it already has".
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
