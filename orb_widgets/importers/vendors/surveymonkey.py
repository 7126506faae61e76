"""SurveyMonkey: CSV or XLSX, "Columns: Condensed" or "Expanded".

Row 1 the question (blank = the question to the left goes on), row 2 the
matrix row, ``Response``, ``Open-Ended Response``, or, in an Expanded export,
the choice each column stands for (the cell holds that choice when it was
picked). Bookkeeping: ``Respondent ID`` (``RespondentID`` in older exports),
``Start Date``/``End Date`` (``StartDate``/``EndDate``). A response is its
Respondent ID; without one, the times it was started and ended, its role
group and its place among the people with the same times and role.
"""

from __future__ import annotations

from ..matching import Header, candidates, key, short
from ..registry import Table, Vendor, register

_SUB = {"response", "open-ended response"}


def _row(head, n):
    return head[n] if n < len(head) else []


@register
class SurveyMonkey(Vendor):
    name, title, order = "surveymonkey", "SurveyMonkey", 20
    meta = {
        "respondent id": "id",
        "respondentid": "id",
        "start date": "start",
        "startdate": "start",
        "end date": "end",
        "enddate": "end",
    }
    known = frozenset(
        {
            "collector id",
            "collectorid",
            "ip address",
            "email address",
            "first name",
            "last name",
            "custom data",
            "custom data 1",
        }
    )

    @classmethod
    def detect(cls, head) -> bool:
        row1 = {key(c) for c in _row(head, 0)}
        row2 = {key(c) for c in _row(head, 1)}
        return bool(
            row1 & {"respondent id", "respondentid"}
            or row2 & _SUB
            or (
                {"startdate", "enddate"} <= row1
                and not any(key(c).startswith("{") for c in _row(head, 2))
                and "responseid" not in {key(c) for c in _row(head, 1)}
            )
        )

    @classmethod
    def table(cls, head, inst) -> Table:
        row1, row2 = _row(head, 0), _row(head, 1)
        headers, question, qcol = [], "", None
        for j in range(max(len(row1), len(row2))):
            q = row1[j].strip() if j < len(row1) else ""
            sub = row2[j].strip() if j < len(row2) else ""
            if q:
                question, qcol = q, j
            elif not sub:
                question, qcol = "", None
            if not sub or key(sub) in _SUB:
                headers.append(Header(j, 1, short(question) or f"column {j + 1}", candidates(question), key(question)))
            elif q and _is_choice(sub, inst):  # Expanded: the first choice sits under the question itself
                headers.append(Header(j, 1, short(question), candidates(question), key(question)))
                headers.append(Header(j, 2, short(sub), (sub,), key(sub), group=j, choice=sub))
            elif qcol is not None and _is_choice(sub, inst):
                headers.append(Header(j, 2, short(sub), (sub,), key(sub), group=qcol, choice=sub))
            else:  # a matrix row, or a side box of the question above it
                skip = key(sub).startswith("other (please specify)")
                headers.append(Header(j, 2, short(sub), (sub,), key(sub), skip=skip))
        return Table(headers, start=2, header_row=2, width=max(len(row1), len(row2)))


def _is_choice(sub: str, inst) -> bool:
    from ..matching import norm

    labels = {norm(x) for x in [*inst.scale.labels, inst.scale.dont_know_label, *(r.label for r in inst.roles)]}
    return norm(sub) in labels
