"""Damaged survey exports: every one is refused in one line (exit 2) or imported (exit 0), never a traceback.

The named tests are the cases a county met (bytes flipped inside a workbook
part, a shared-text number past the end of the table, an entity bomb). The
fuzz test damages real-shaped exports in over 500 seeded ways and runs each
through ``orb import`` (in-process through :func:`orb_widgets.cli.main`; a few
in a child process to see the exit code and stderr as a shell does). Each
case is reproducible by its id: the case number seeds its own random source.
"""

from __future__ import annotations

import hashlib
import random
import re
import sqlite3
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import vendors
from test_importers import make_instrument

from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.importers.reading import MAX_CELL, MAX_COLUMNS
from orb_widgets.paths import DB_FILE

WAVE = "2024-fall"
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"
BOMB = (
    b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([c]), b"".join([b"&%s;" % bytes([c - 1])] * 10))
        for c in range(ord("b"), ord("k"))
    )
    + b"]>"
)


# ---------------------------------------------------------------- one workspace, one county


@pytest.fixture(scope="module")
def inst():
    return make_instrument()


@pytest.fixture(scope="module")
def ws(tmp_path_factory, inst):
    """A workspace whose county already holds responses, so a refusal that changes them shows."""
    mp = pytest.MonkeyPatch()
    mp.delenv("ORB_DATABASE_URL", raising=False)
    mp.delenv("ORB_WORKSPACE", raising=False)
    folder = tmp_path_factory.mktemp("damaged") / "ws"
    store = App.for_workspace(folder, create=True).store
    store.add_county(inst.county)
    store.save_instrument(inst)
    good = vendors.google(folder.parent / "earlier.csv", inst, *vendors.people(inst, 9, seed=11))
    assert (
        main(["import", "--workspace", str(folder), "--county", inst.county, "--wave", "2024-spring", str(good)]) == 0
    )
    yield folder
    mp.undo()


@pytest.fixture(scope="module")
def exports(tmp_path_factory, inst):
    """Clean exports as the survey tools write them: workbooks with shared text, CSV in several shapes."""
    folder = tmp_path_factory.mktemp("clean")
    crowd = vendors.people(inst, 12, seed=5)
    files = {
        "surveymonkey.xlsx": vendors.share_strings(vendors.surveymonkey(folder / "sm.xlsx", inst, *crowd, xlsx=True)),
        "msforms.xlsx": vendors.share_strings(vendors.msforms(folder / "ms.xlsx", inst, *crowd)),
        "paper.xlsx": vendors.paper(folder / "paper.xlsx", inst, *crowd, xlsx=True),
        "google.csv": vendors.google(folder / "google.csv", inst, *crowd),
        "qualtrics.csv": vendors.qualtrics(folder / "qualtrics.csv", inst, *crowd),
        "surveymonkey.csv": vendors.surveymonkey(folder / "sm.csv", inst, *crowd),
        "paper.csv": vendors.paper(folder / "paper.csv", inst, *crowd, delimiter=";"),
        "paper.txt": vendors.paper(folder / "paper.txt", inst, *crowd, delimiter="\t"),
    }
    return {name: path.read_bytes() for name, path in files.items()}


def stored(ws: Path) -> str:
    """A digest of every stored response, answer and wave."""
    h = hashlib.sha256()
    with sqlite3.connect(f"file:{ws / DB_FILE}?mode=ro", uri=True) as db:
        for table in ("responses", "answers", "waves"):
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):  # our own table names
                h.update(repr(row).encode())
    return h.hexdigest()


def stored_rows(ws: Path) -> set:
    with sqlite3.connect(f"file:{ws / DB_FILE}?mode=ro", uri=True) as db:
        return {("r", *row) for row in db.execute("SELECT * FROM responses")} | {
            ("a", *row) for row in db.execute("SELECT * FROM answers")
        }


def import_file(capsys, ws, inst, path, *extra):
    """``orb import``: exit code, stdout and stderr, with any warning written to stderr as Python would."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(["import", "--workspace", str(ws), "--county", inst.county, "--wave", WAVE, str(path), *extra])
    out, err = capsys.readouterr()
    return (
        code,
        out,
        err + "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught),
    )


def one_line(err: str, path: Path) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    assert lines[0].startswith("orb: ") and str(path) in lines[0], lines[0]
    return lines[0]


def refused(capsys, ws, inst, path, *words) -> str:
    before = stored(ws)
    code, out, err = import_file(capsys, ws, inst, path)
    assert code == 2, (out, err)
    line = one_line(err, path)
    for w in words:
        assert w in line, (w, line)
    assert stored(ws) == before
    return line


# ---------------------------------------------------------------- workbook surgery


def parts_of(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def with_part(data: bytes, name: str, change) -> bytes:
    parts = parts_of(data)
    parts[name] = change(parts[name])
    return zipped(parts)


# ---------------------------------------------------------------- the named cases


def test_flipped_bytes_inside_a_workbook_part_are_refused_naming_the_part(ws, inst, exports, capsys, tmp_path):
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(with_part(exports["msforms.xlsx"], SHEET, _flip_a_tag))
    line = refused(
        capsys, ws, inst, path, f"part '{SHEET}'", "XML is broken at line", "save it again", "download it again"
    )
    assert re.search(r", row [0-9]+: ", line), line  # where reading stopped


def test_a_shared_text_number_past_the_table_is_refused_naming_the_cell(ws, inst, exports, capsys, tmp_path):
    data = with_part(exports["msforms.xlsx"], SHEET, _past_the_table)
    assert data != exports["msforms.xlsx"]
    path = tmp_path / "shared-index.xlsx"
    path.write_bytes(data)
    refused(capsys, ws, inst, path, "row 5:", "cell G5", "shared text number 9999", f"'{SHARED}'")


def test_billion_laughs_in_shared_strings_is_refused_before_it_expands(ws, inst, exports, capsys, tmp_path):
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(with_part(exports["msforms.xlsx"], SHARED, _bomb))
    refused(capsys, ws, inst, path, f"part '{SHARED}'", "DTD", "save it again")


def test_an_external_entity_is_refused_and_never_read(ws, inst, exports, capsys, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Supervisor")

    def xxe(xml: bytes) -> bytes:
        head, _, body = xml.partition(b"?>")
        dtd = b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file://%s">]>' % str(secret).encode()
        return head + b"?>" + dtd + body.replace(b">Supervisor<", b">&x;<")

    path = tmp_path / "xxe.xlsx"
    path.write_bytes(with_part(exports["msforms.xlsx"], SHARED, xxe))
    refused(capsys, ws, inst, path, f"part '{SHARED}'", "DTD")


def test_a_missing_part_is_named(ws, inst, exports, capsys, tmp_path):
    parts = parts_of(exports["msforms.xlsx"])
    del parts["xl/workbook.xml"]
    path = tmp_path / "no-workbook.xlsx"
    path.write_bytes(zipped(parts))
    refused(capsys, ws, inst, path, "'xl/workbook.xml'", "missing")


def test_a_workbook_cut_short_is_refused(ws, inst, exports, capsys, tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(exports["surveymonkey.xlsx"][: len(exports["surveymonkey.xlsx"]) * 2 // 3])
    refused(capsys, ws, inst, path, ".xlsx", "save it again")


def test_a_zip_part_whose_bytes_do_not_match_its_checksum_is_refused(ws, inst, exports, capsys, tmp_path):
    data = bytearray(exports["msforms.xlsx"])
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(data))) as z:
        info = z.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # inside the sheet's compressed bytes
    path = tmp_path / "crc.xlsx"
    path.write_bytes(bytes(data))
    refused(capsys, ws, inst, path, SHEET)


def test_a_part_name_with_a_line_break_is_shown_on_the_one_line(ws, inst, exports, capsys, tmp_path):
    parts = parts_of(exports["msforms.xlsx"])
    parts["xl/media/note\n\x1b[2Jimage.xml"] = b"<broken"  # a name as a flipped byte can make it
    path = tmp_path / "odd-name.xlsx"
    path.write_bytes(zipped(parts))
    refused(capsys, ws, inst, path, "'xl/media/note\\x0a\\x1b[2Jimage.xml'", "XML is broken")


def test_a_text_encoding_that_is_not_for_text_is_refused(ws, inst, exports, capsys, tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes(exports["google.csv"])
    before = stored(ws)
    code, _, err = import_file(capsys, ws, inst, path, "--encoding", "rot13")
    assert code == 2 and "unknown --encoding" in one_line(err, path)
    assert stored(ws) == before


def test_the_clean_exports_import(ws, inst, exports, capsys, tmp_path):
    """The fuzz test's starting points are good files: what it refuses, the damage caused."""
    for name, data in exports.items():
        path = tmp_path / name
        path.write_bytes(data)
        code, out, err = import_file(capsys, ws, inst, path)
        assert code == 0 and "Imported" in out, (name, err)


# ---------------------------------------------------------------- the fuzz test


def _xml_parts(parts, rng, weights=((SHEET, 4), (SHARED, 4))):
    names = [n for n in parts if n.endswith((".xml", ".rels"))]
    w = dict(weights)
    return rng.choices(names, [w.get(n, 1) for n in names])[0]


def x_flip(data, rng):
    parts = parts_of(data)
    name = _xml_parts(parts, rng)
    b = bytearray(parts[name])
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(b))
        b[at] ^= 1 << rng.randrange(8)
    parts[name] = bytes(b)
    return zipped(parts)


def x_flip_markup(data, rng):
    parts = parts_of(data)
    name = _xml_parts(parts, rng)
    b = bytearray(parts[name])
    marks = [m.start() for m in re.finditer(rb'[<>"/=]', parts[name])]
    at = rng.choice(marks)
    b[at] = rng.choice(b'<>"/=& \x00\xff' + bytes([b[at] ^ 0x20]))
    parts[name] = bytes(b)
    return zipped(parts)


def x_cut_part(data, rng):
    parts = parts_of(data)
    name = _xml_parts(parts, rng)
    parts[name] = parts[name][: rng.randrange(len(parts[name]))]
    return zipped(parts)


def x_cut_file(data, rng):
    return data[: rng.randrange(4, len(data))]


def x_drop_part(data, rng):
    parts = parts_of(data)
    del parts[rng.choice(sorted(parts))]
    return zipped(parts)


def x_shared_index(data, rng):
    parts = parts_of(data)
    if SHARED not in parts:
        return x_flip(data, rng)
    count = parts[SHARED].count(b"<si>")
    cells = list(re.finditer(rb'(<c r="[A-Z]+[0-9]+"[^>]*t="s"[^>]*><v>)([0-9]+)(</v>)', parts[SHEET]))
    m = rng.choice(cells)
    value = rng.choice(
        [
            str(count).encode(),
            str(count + rng.randrange(1, 10**6)).encode(),
            b"-1",
            b"x",
            b"",
            b"1e3",
            b"99999999999999999999999",
            b" 3 ",
        ]
    )
    parts[SHEET] = parts[SHEET][: m.start(2)] + value + parts[SHEET][m.end(2) :]
    if rng.random() < 0.3:  # the table itself cut short: its last entries gone
        ends = [e.end() for e in re.finditer(rb"</si>", parts[SHARED])]
        parts[SHARED] = parts[SHARED][: rng.choice(ends)] + b"</sst>"
    return zipped(parts)


def x_entities(data, rng):
    parts = parts_of(data)
    name = SHARED if SHARED in parts and rng.random() < 0.6 else _xml_parts(parts, rng)
    head, sep, body = parts[name].partition(b"?>")
    if not sep:
        head, body = b"", parts[name]
    dtd = rng.choice(
        [
            BOMB,
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
            b'<!DOCTYPE x SYSTEM "http://198.51.100.1/x.dtd">',
            b"<!DOCTYPE x>",
            b'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>',
        ]
    )
    parts[name] = head + sep + dtd + body
    return zipped(parts)


def x_nul(data, rng):
    parts = parts_of(data)
    name = _xml_parts(parts, rng)
    b = parts[name]
    at = rng.randrange(len(b))
    parts[name] = b[:at] + b"\x00" * rng.randint(1, 3) + b[at:]
    return zipped(parts)


def x_encoding(data, rng):
    parts = parts_of(data)
    name = _xml_parts(parts, rng)
    b = parts[name]
    kind = rng.randrange(4)
    if kind == 0:  # declared as another encoding than the bytes are in
        decl = rng.choice([b"UTF-16", b"ebcdic-cp-us", b"no-such-encoding", b"ISO-8859-1", b"UTF-32"])
        b = (
            re.sub(rb'encoding="[^"]*"', b'encoding="' + decl + b'"', b, count=1)
            if b"encoding=" in b
            else b'<?xml version="1.0" encoding="' + decl + b'"?>' + b
        )
    elif kind == 1:  # bytes that are not UTF-8 inside a text
        m = rng.choice(list(re.finditer(rb">[^<]+<", b)) or [re.search(rb">", b)])
        b = b[: m.start() + 1] + rng.choice([b"\xff\xfe", b"\xc3", b"\xe9t\xe9", b"\xed\xa0\x80"]) + b[m.start() + 1 :]
    elif kind == 2:  # the whole part re-encoded as UTF-16 without saying so
        b = b.decode("utf-8").encode("utf-16-le")
    else:  # a byte-order mark in the middle
        at = rng.randrange(len(b))
        b = b[:at] + b"\xef\xbb\xbf" + b[at:]
    parts[name] = b
    return zipped(parts)


def x_zip_bytes(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(b))
        b[at] = rng.randrange(256)
    return bytes(b)


def x_huge(data, rng):
    parts = parts_of(data)
    kind = rng.randrange(3)
    if kind == 0 and SHARED in parts:  # one enormous text
        big = rng.choice([b"A", b"x ", "é".encode()]) * rng.choice([MAX_CELL + 1, 300_000])
        parts[SHARED] = parts[SHARED].replace(b"</t></si>", big + b"</t></si>", 1)
    elif kind == 1:  # a row with more cells than any survey
        cells = b"".join(b'<c t="n"><v>1</v></c>' for _ in range(MAX_COLUMNS + 2))
        parts[SHEET] = re.sub(rb'(<row r="3"[^>]*>)', lambda m: m.group(1) + cells, parts[SHEET], count=1)
    else:  # cells placed at absurd references
        ref = rng.choice([b"XFD1048576", b"A0", b"ZZZZ1", b"A99999999999", b"", b"3A", b"A-1"])
        parts[SHEET] = re.sub(rb'r="[A-Z]+[0-9]+"', b'r="' + ref + b'"', parts[SHEET], count=rng.randint(1, 3))
    return zipped(parts)


def x_types(data, rng):
    parts = parts_of(data)
    kind = rng.choice([b"b", b"e", b"d", b"str", b"inlineStr", b"n", b"s", b"zz"])
    cells = list(re.finditer(rb'<c r="[A-Z]+[0-9]+"( [^>]*)?>', parts[SHEET]))
    m = rng.choice(cells)
    tag = re.sub(rb' t="[^"]*"', b"", m.group()).replace(b">", b' t="' + kind + b'">')
    parts[SHEET] = parts[SHEET][: m.start()] + tag + parts[SHEET][m.end() :]
    return zipped(parts)


def x_swap(data, rng):
    parts = parts_of(data)
    a, b = rng.sample(sorted(n for n in parts if n.endswith((".xml", ".rels"))), 2)
    parts[a], parts[b] = parts[b], parts[a]
    return zipped(parts)


XLSX = {
    "flip": x_flip,
    "flip-markup": x_flip_markup,
    "cut-part": x_cut_part,
    "cut-file": x_cut_file,
    "drop-part": x_drop_part,
    "shared-index": x_shared_index,
    "entities": x_entities,
    "nul": x_nul,
    "encoding": x_encoding,
    "zip-bytes": x_zip_bytes,
    "huge": x_huge,
    "cell-types": x_types,
    "swap-parts": x_swap,
}


def c_flip(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def c_cut(data, rng):
    return data[: rng.randrange(len(data))]


def c_nul(data, rng):
    at = rng.randrange(len(data))
    return data[:at] + b"\x00" * rng.choice([1, 2, 50]) + data[at:]


def c_encoding(data, rng):
    kind = rng.randrange(6)
    at = rng.randrange(len(data))
    if kind == 0:
        return data[:at] + rng.choice([b"\xe9", b"\xff", b"\x81", b"\xc3", b"\xed\xa0\x80"]) + data[at:]
    if kind == 1:
        return data.decode("utf-8-sig").encode(rng.choice(["utf-16-le", "utf-16-be", "utf-32"]))
    if kind == 2:
        return data[:at] + b"\xef\xbb\xbf" + data[at:]
    if kind == 3:
        return data.decode("utf-8-sig").encode("cp1252", "replace") + "\u00e9\u00e8\u00ea".encode("cp1252")
    if kind == 4:
        return b"\xff\xfe" + data  # says UTF-16, is not
    return data.decode("utf-8-sig").encode("shift_jis", "replace")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def c_ragged(data, rng):
    lines = _lines(data)
    k = rng.randrange(len(lines))
    sep = b"\t" if lines[0].count(b"\t") > lines[0].count(b",") else (b";" if b";" in lines[0] else b",")
    cells = lines[k].split(sep)
    if rng.random() < 0.5 and len(cells) > 1:
        del cells[rng.randrange(len(cells))]
    else:
        cells.insert(rng.randrange(len(cells) + 1), rng.choice([b"extra", b"", b'"x"', b"Agree"]))
    lines[k] = sep.join(cells)
    return b"\n".join(lines)


def c_huge(data, rng):
    lines = _lines(data)
    k = rng.randrange(len(lines))
    kind = rng.randrange(3)
    if kind == 0:
        lines[k] = lines[k] + b',"' + b"x" * (MAX_CELL + rng.choice([1, 50_000])) + b'"'
    elif kind == 1:
        lines[k] = lines[k] + b"," * (MAX_COLUMNS + rng.choice([1, 3000]))
    else:
        lines[k] = lines[k] + b"," + b"y" * (MAX_CELL + 10)  # unquoted
    return b"\n".join(lines)


def c_quotes(data, rng):
    at = rng.randrange(len(data))
    return data[:at] + rng.choice([b'"', b'""', b'"\n', b'x"y', b'",']) + data[at:]


def c_lines(data, rng):
    lines = _lines(data)
    kind = rng.randrange(5)
    k = rng.randrange(len(lines))
    if kind == 0:
        del lines[k]
    elif kind == 1:
        lines.insert(k, lines[rng.randrange(len(lines))])
    elif kind == 2:
        return data.replace(b"\r\n", b"\r")
    elif kind == 3:
        lines[k] = lines[k].replace(b",", b";")
    else:
        lines = lines[:1] + [b""] * rng.randint(1, 5) + lines[1:k] + [rng.choice([b"sep=,", b"sep=;", b"#", b","])]
    return b"\n".join(lines)


def c_controls(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        b.insert(rng.randrange(len(b)), rng.choice(b"\x01\x02\x07\x08\x0b\x0c\x1a\x1b\x7f\r"))
    return bytes(b)


CSV = {
    "flip": c_flip,
    "cut": c_cut,
    "nul": c_nul,
    "encoding": c_encoding,
    "ragged": c_ragged,
    "huge": c_huge,
    "quotes": c_quotes,
    "lines": c_lines,
    "controls": c_controls,
}

XLSX_BASES = ("surveymonkey.xlsx", "msforms.xlsx", "paper.xlsx")
CSV_BASES = ("google.csv", "qualtrics.csv", "surveymonkey.csv", "paper.csv", "paper.txt")
CASES = [("xlsx", kind, k) for kind in XLSX for k in range(24)] + [("csv", kind, k) for kind in CSV for k in range(26)]
assert len(CASES) >= 500


@pytest.mark.parametrize("container, kind, k", CASES, ids=[f"{c}-{m}-{k}" for c, m, k in CASES])
def test_a_damaged_export_is_imported_or_refused_in_one_line(container, kind, k, ws, inst, exports, capsys, tmp_path):
    rng = random.Random(f"{container}-{kind}-{k}")
    base = rng.choice(XLSX_BASES if container == "xlsx" else CSV_BASES)
    damaged = (XLSX if container == "xlsx" else CSV)[kind](exports[base], rng)
    path = tmp_path / f"damaged-{k}-{base}"
    path.write_bytes(damaged)
    before, rows = stored(ws), stored_rows(ws)
    code, out, err = import_file(capsys, ws, inst, path)
    assert "Traceback" not in err + out
    assert code in (0, 2), (code, err)
    if code == 2:
        one_line(err, path)
        assert stored(ws) == before, "a refused file changed the stored responses"
    else:
        assert out.startswith("Imported "), out
        assert rows <= stored_rows(ws), "an import changed or removed a stored response"


def _past_the_table(xml: bytes) -> bytes:
    return re.sub(rb'(<c r="G5" t="s"><v>)[0-9]+(</v>)', rb"\g<1>9999\g<2>", xml)


def _bomb(xml: bytes) -> bytes:
    head, _, body = xml.partition(b"?>")
    return head + b"?>" + BOMB + body.replace(b"Supervisor<", b"&j;<", 1)


def _flip_a_tag(xml: bytes) -> bytes:
    at = xml.index(b"<row", len(xml) // 2)  # a tag in the middle of the sheet's rows
    return xml[:at] + bytes([xml[at] ^ 0x04]) + xml[at + 1 :]  # '<' becomes '8'


SHELL = {
    "flipped byte": (SHEET, _flip_a_tag),
    "shared text number": (SHEET, _past_the_table),
    "billion laughs": (SHARED, _bomb),
    "NUL in a CSV": None,
}


@pytest.mark.parametrize("damage", SHELL)
def test_a_damaged_file_in_a_shell_exits_2_with_one_line(damage, ws, inst, exports, tmp_path):
    if SHELL[damage] is None:
        path = tmp_path / "nul.csv"
        data = exports["google.csv"]
        path.write_bytes(data[:300] + b"\x00" + data[300:])
    else:
        path = tmp_path / "damaged.xlsx"
        path.write_bytes(with_part(exports["msforms.xlsx"], *SHELL[damage]))
    before = stored(ws)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orb_widgets.cli",
            "import",
            "--workspace",
            str(ws),
            "--county",
            inst.county,
            "--wave",
            WAVE,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    one_line(proc.stderr, path)
    assert stored(ws) == before
