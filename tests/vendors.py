"""Write survey exports the way each vendor does, for the importer tests.

Every writer takes ``(path, inst, answers, roles, comments=None, **shape)``:
``answers`` is one ``{item id: point | "dk" | None}`` per respondent, ``roles``
their role group ids, ``comments`` one ``{element: text}`` each. The files
carry the identifying bookkeeping the real exports carry (IP address, e-mail,
names), with the values in :data:`IDENTIFYING`, so tests can check none of it
comes through.

The shapes follow the vendors' own exports:

- SurveyMonkey "expanded" CSV/XLSX: two header rows; metadata columns first;
  a matrix question's text over its first column only, its rows in row 2;
  ``Response`` / ``Open-Ended Response`` / ``Other (please specify)`` in row 2.
- Google Forms CSV: ``Timestamp`` first (``2024/06/15 10:23:45 AM GMT-7``),
  grid rows as ``Grid title [Row]``.
- Qualtrics CSV: three header rows (export tags, question text with matrix
  rows as ``Question - Row``, ImportId JSON), every field quoted, UTF-8 BOM;
  choice text or numeric recodes.
- Microsoft Forms XLSX: ID, Start time, Completion time, Email, Name, Last
  modified time, then one column per question or Likert statement.
- REDCap labels CSV: Record ID, Survey Identifier, Survey Timestamp, field
  labels, ``Complete?``.
- A paper table: one header row, in CSV or XLSX, any delimiter or encoding.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

from orb_widgets.instrument import Instrument, tagged

IP = "198.51.100.23"
EMAIL = "jordan.quill@example.org"
FIRST, LAST = "Jordan", "Quillfeather"
CUSTOM = "emp-44719"
IDENTIFYING = (IP, EMAIL, FIRST, LAST, CUSTOM, "198.51.100")

QUALTRICS_STATUS_CODES = {"IP Address": 0, "Survey Preview": 1, "Survey Test": 2, "Imported": 4, "Spam": 8}


# ---------------------------------------------------------------- helpers


def people(inst: Instrument, n: int, seed: int = 1, blanks: float = 0.1, dk: float = 0.1):
    """``n`` made-up respondents: (answers, roles, comments)."""
    rng = random.Random(seed)
    answers, roles, comments = [], [], []
    for k in range(n):
        row = {}
        for item in inst.items:
            u = rng.random()
            row[item.id] = None if u < blanks else "dk" if u < blanks + dk else rng.randint(1, inst.scale.points)
        if all(v is None for v in row.values()):
            row[inst.items[0].id] = 1
        answers.append(row)
        roles.append(rng.choice(inst.roles).id)
        comments.append(
            {e: f'Comment {k} on {e}, with "quotes" and a comma' for e in inst.elements if rng.random() < 0.3}
        )
    return answers, roles, comments


def label(inst: Instrument, value) -> str:
    if value is None:
        return ""
    if value == "dk":
        return inst.scale.dont_know_label
    return inst.scale.labels[value - 1]


def role_label(inst: Instrument, role_id: str) -> str:
    return next(r.label for r in inst.roles if r.id == role_id)


def comment_prompts(inst: Instrument) -> dict[str, str]:
    """``[A-comments] Anything …`` per element, exactly as the survey text says it."""
    from orb_widgets.instrument import export_text

    out = {}
    for line in export_text(inst).splitlines():
        m = re.match(r"\[([A-Z]+)-comments\]", line)
        if m:
            out[m.group(1)] = line
    return out


def _items_of(inst, element):
    return [i for i in inst.items if i.element == element]


def _stamp(k: int) -> dt.datetime:
    return dt.datetime(2024, 6, 15, 9, 0, 0) + dt.timedelta(minutes=7 * k, seconds=k)


def _write_csv(path: Path, rows, encoding="utf-8", delimiter=",", quoting=csv.QUOTE_MINIMAL) -> Path:
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return path


def _write_xlsx(path: Path, rows, title: str = "Sheet1", shared_strings: bool = False) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    if shared_strings:
        share_strings(path)
    return Path(path)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def share_strings(path: Path) -> Path:
    """Rewrite a workbook's text cells into a shared-string table, as Excel and the survey tools save them.

    openpyxl writes each text into its cell (``inlineStr``); Excel keeps the
    texts in ``xl/sharedStrings.xml`` and a cell holds a text's number.
    """
    import xml.etree.ElementTree as ET
    import zipfile
    from xml.sax.saxutils import escape

    path = Path(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    ET.register_namespace("", _MAIN)
    texts: dict[str, int] = {}
    for name in [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]:
        root = ET.fromstring(parts[name])
        for c in root.iter(f"{{{_MAIN}}}c"):
            if c.get("t") != "inlineStr":
                continue
            inline = c.find(f"{{{_MAIN}}}is")
            text = "" if inline is None else "".join(t.text or "" for t in inline.iter(f"{{{_MAIN}}}t"))
            if inline is not None:
                c.remove(inline)
            c.set("t", "s")
            ET.SubElement(c, f"{{{_MAIN}}}v").text = str(texts.setdefault(text, len(texts)))
        parts[name] = ET.tostring(root, xml_declaration=True, encoding="UTF-8")
    items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in texts)
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{_MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">'
        f"{items}</sst>"
    ).encode("utf-8")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _norm_comments(comments, n):
    return comments if comments is not None else [{} for _ in range(n)]


# ---------------------------------------------------------------- vendors


def surveymonkey(
    path, inst, answers, roles, comments=None, *, matrix=True, xlsx=False, other_box=True, encoding="utf-8-sig"
):
    comments = _norm_comments(comments, len(answers))
    prompts = comment_prompts(inst)
    row1 = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
        inst.role_question,
    ]
    row2 = [""] * 9 + ["Response"]
    if other_box:
        row1.append("")
        row2.append("Other (please specify)")
    for e in inst.elements:
        for n, item in enumerate(_items_of(inst, e)):
            if matrix:
                row1.append(inst.element_names[e] if n == 0 else "")
                row2.append(tagged(item))
            else:
                row1.append(tagged(item))
                row2.append("Response")
        row1.append(prompts[e])
        row2.append("Open-Ended Response")
    rows = [row1, row2]
    for k, (ans, role, com) in enumerate(zip(answers, roles, comments)):
        start, end = _stamp(k), _stamp(k) + dt.timedelta(minutes=6)
        fmt = "%m/%d/%Y %I:%M:%S %p"
        row = [
            str(114030000000 + 37 * k),
            "431234567",
            start if xlsx else start.strftime(fmt),
            end if xlsx else end.strftime(fmt),
            IP,
            EMAIL,
            FIRST,
            LAST,
            CUSTOM,
            role_label(inst, role),
        ]
        if other_box:
            row.append("")
        for e in inst.elements:
            row += [label(inst, ans.get(i.id)) for i in _items_of(inst, e)]
            row.append(com.get(e, ""))
        if xlsx:
            row[0] = int(row[0])
        rows.append(row)
    return _write_xlsx(path, rows, "Sheet") if xlsx else _write_csv(path, rows, encoding)


def google(path, inst, answers, roles, comments=None, *, grid=True, email=True, encoding="utf-8"):
    comments = _norm_comments(comments, len(answers))
    prompts = comment_prompts(inst)
    header = ["Timestamp"] + (["Email Address"] if email else []) + [inst.role_question]
    for e in inst.elements:
        header += [f"{inst.element_names[e]} [{tagged(i)}]" if grid else tagged(i) for i in _items_of(inst, e)]
        header.append(prompts[e])
    rows = [header]
    for k, (ans, role, com) in enumerate(zip(answers, roles, comments)):
        when = _stamp(k).strftime("%Y/%m/%d %I:%M:%S %p") + " GMT-7"
        row = [when] + ([EMAIL] if email else []) + [role_label(inst, role)]
        for e in inst.elements:
            row += [label(inst, ans.get(i.id)) for i in _items_of(inst, e)]
            row.append(com.get(e, ""))
        rows.append(row)
    return _write_csv(path, rows, encoding)


def qualtrics(
    path,
    inst,
    answers,
    roles,
    comments=None,
    *,
    statuses=None,
    numeric=False,
    dk_code=None,
    seen_unanswered=False,
    zone="America/Los_Angeles",
):
    comments = _norm_comments(comments, len(answers))
    statuses = statuses or ["IP Address"] * len(answers)
    prompts = comment_prompts(inst)
    tags = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
        "Q1",
    ]
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "IP Address",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Recipient Last Name",
        "Recipient First Name",
        "Recipient Email",
        "External Data Reference",
        "Location Latitude",
        "Location Longitude",
        "Distribution Channel",
        "User Language",
        inst.role_question,
    ]
    import_ids = [
        {"ImportId": "startDate", "timeZone": zone},
        {"ImportId": "endDate", "timeZone": zone},
        {"ImportId": "status"},
        {"ImportId": "ipAddress"},
        {"ImportId": "progress"},
        {"ImportId": "duration"},
        {"ImportId": "finished"},
        {"ImportId": "recordedDate", "timeZone": zone},
        {"ImportId": "_recordId"},
        {"ImportId": "recipientLastName"},
        {"ImportId": "recipientFirstName"},
        {"ImportId": "recipientEmail"},
        {"ImportId": "externalDataReference"},
        {"ImportId": "locationLatitude"},
        {"ImportId": "locationLongitude"},
        {"ImportId": "distributionChannel"},
        {"ImportId": "userLanguage"},
        {"ImportId": "QID1"},
    ]
    q = 1
    for e in inst.elements:
        q += 1
        for m, item in enumerate(_items_of(inst, e), start=1):
            tags.append(f"Q{q}_{m}")
            texts.append(f"{inst.element_names[e]} - {tagged(item)}")
            import_ids.append({"ImportId": f"QID{q}_{m}"})
        q += 1
        tags.append(f"Q{q}")
        texts.append(prompts[e])
        import_ids.append({"ImportId": f"QID{q}_TEXT"})
    rows = [tags, texts, [json.dumps(i, separators=(",", ":")) for i in import_ids]]
    dk = str(dk_code if dk_code is not None else inst.scale.points + 1)
    role_ids = [r.id for r in inst.roles]
    for k, (ans, role, com, status) in enumerate(zip(answers, roles, comments, statuses)):
        start, end = _stamp(k), _stamp(k) + dt.timedelta(minutes=5)
        finished = any(v is not None for v in ans.values())
        row = [
            start.strftime("%Y-%m-%d %H:%M:%S"),
            end.strftime("%Y-%m-%d %H:%M:%S"),
            str(QUALTRICS_STATUS_CODES[status]) if numeric else status,
            IP,
            "100" if finished else "20",
            "312",
            ("1" if finished else "0") if numeric else ("True" if finished else "False"),
            end.strftime("%Y-%m-%d %H:%M:%S"),
            f"R_{k:03d}aZ9xQpLm2Kt",
            LAST,
            FIRST,
            EMAIL,
            "",
            "38.5816",
            "-121.4944",
            "preview" if "Preview" in status else "anonymous",
            "EN",
            str(role_ids.index(role) + 1) if numeric else role_label(inst, role),
        ]
        for e in inst.elements:
            for item in _items_of(inst, e):
                v = ans.get(item.id)
                if v is None:
                    row.append("-99" if seen_unanswered else "")
                elif numeric:
                    row.append(dk if v == "dk" else str(v))
                else:
                    row.append(label(inst, v))
            row.append(com.get(e, ""))
        rows.append(row)
    return _write_csv(path, rows, "utf-8-sig", quoting=csv.QUOTE_ALL)


def msforms(path, inst, answers, roles, comments=None, *, as_csv=False, days_later=0):
    comments = _norm_comments(comments, len(answers))
    prompts = comment_prompts(inst)
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time", inst.role_question]
    for e in inst.elements:
        header += [tagged(i) for i in _items_of(inst, e)]  # a Likert question gives one column per statement
        header.append(prompts[e])
    rows = [header]
    for k, (ans, role, com) in enumerate(zip(answers, roles, comments)):
        start = _stamp(k) + dt.timedelta(days=days_later)
        end = start + dt.timedelta(minutes=4)
        if as_csv:
            start, end = start.strftime("%m/%d/%y %H:%M:%S"), end.strftime("%m/%d/%y %H:%M:%S")
        row = [k + 1 if not as_csv else str(k + 1), start, end, EMAIL, f"{FIRST} {LAST}", "", role_label(inst, role)]
        for e in inst.elements:
            row += [label(inst, ans.get(i.id)) for i in _items_of(inst, e)]
            row.append(com.get(e, ""))
        rows.append(row)
    return _write_csv(path, rows, "utf-8-sig") if as_csv else _write_xlsx(path, rows)


def redcap(path, inst, answers, roles, comments=None):
    comments = _norm_comments(comments, len(answers))
    prompts = comment_prompts(inst)
    header = ["Record ID", "Survey Identifier", "Survey Timestamp", inst.role_question]
    for e in inst.elements:
        header += [tagged(i) for i in _items_of(inst, e)]
        header.append(prompts[e])
    header.append("Complete?")
    rows = [header]
    for k, (ans, role, com) in enumerate(zip(answers, roles, comments)):
        done = any(v is not None for v in ans.values())
        row = [
            str(k + 1),
            EMAIL,
            _stamp(k).strftime("%Y-%m-%d %H:%M:%S") if done else "[not completed]",
            role_label(inst, role),
        ]
        for e in inst.elements:
            row += [label(inst, ans.get(i.id)) for i in _items_of(inst, e)]
            row.append(com.get(e, ""))
        row.append("Complete" if done else "Incomplete")
        rows.append(row)
    return _write_csv(path, rows, "utf-8-sig")


def paper(
    path,
    inst,
    answers,
    roles,
    comments=None,
    *,
    headers="tag",
    role_header="Role",
    comment_header="name",
    numbers=False,
    xlsx=False,
    encoding="utf-8",
    delimiter=",",
    title=None,
    ids=None,
):
    """A table typed from paper forms: ``headers`` is "tag" (``[A1] text``), "id" (``A1``) or "text"."""
    comments = _norm_comments(comments, len(answers))
    head = ([] if ids is None else ["ID"]) + [role_header]
    prompts = comment_prompts(inst)
    for e in inst.elements:
        for i in _items_of(inst, e):
            head.append({"tag": tagged(i), "id": i.id, "text": i.text}[headers])
        head.append(f"{e} comments" if comment_header == "name" else prompts[e])
    rows = ([[title]] if title else []) + [head]
    for k, (ans, role, com) in enumerate(zip(answers, roles, comments)):
        row = ([] if ids is None else [ids[k]]) + [role_label(inst, role)]
        for e in inst.elements:
            for i in _items_of(inst, e):
                v = ans.get(i.id)
                row.append(str(v) if numbers and isinstance(v, int) else label(inst, v))
            row.append(com.get(e, ""))
        rows.append(row)
    if xlsx:
        return _write_xlsx(path, rows)
    return _write_csv(path, rows, encoding, delimiter)
