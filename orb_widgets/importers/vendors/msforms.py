"""Microsoft Forms: the .xlsx (or a CSV of it) from "Open results in Excel".

One header row: ``ID``, ``Start time``, ``Completion time``, ``Email``,
``Name``; a quiz adds ``Total points``, ``Quiz feedback`` and a ``Points - Q``
and ``Feedback - Q`` column after each question, which are not answers.
Likert statements come as ``Title.Statement``. IDs count 1, 2, 3 … in every
form, so a response is its ID with its start and completion times.
"""

from __future__ import annotations

import re

from ..matching import key
from ..registry import Vendor, register

_QUIZ_SIDE = re.compile(r"^(points|feedback)\s+-\s+", re.IGNORECASE)


@register
class MicrosoftForms(Vendor):
    name, title, order = "msforms", "Microsoft Forms", 30
    meta = {"id": "id", "start time": "start", "completion time": "end"}
    known = frozenset({"email", "name", "last modified time", "total points", "quiz feedback"})

    @classmethod
    def detect(cls, head) -> bool:
        return bool(head) and {"start time", "completion time"} <= {key(c) for c in head[0]}

    @classmethod
    def side_column(cls, header) -> bool:
        return bool(_QUIZ_SIDE.match(header.texts[0] if header.texts else ""))

    id_times = ("start", "end")
