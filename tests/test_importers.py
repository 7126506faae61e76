"""orb_widgets.importers: survey exports from each vendor back into responses."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
import vendors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orb_cli import orb

from orb_widgets.app import App
from orb_widgets.content import RoleGroup, Scale
from orb_widgets.exceptions import ImportFileError
from orb_widgets.importers import FORMATS, INCOMPLETE, read_export
from orb_widgets.instrument import Instrument, InstrumentItem
from orb_widgets.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "importers"
UTC = dt.timezone.utc
LABELS = {
    5: ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
    4: ["Strongly disagree", "Disagree", "Agree", "Strongly agree"],
}
DK = "Don't know / not applicable"


def make_instrument(points: int = 5, county: str = "Alder Creek County") -> Instrument:
    """A small instrument of our own, so these tests do not move when the content packs do."""
    items = [
        ("A1", "A", "Our leaders explain why this change matters."),
        ("A2", "A", "The practice model fits how we want to work with families."),
        ("A3", "A", "I’m told about changes — early enough to plan for them."),
        ("B1", "B", "It is safe to try new ways of working here."),
        ("B2", "B", "People here learn from each other, and share what works."),
        ("B3", "B", "Data are used here to learn, not to blame."),
    ]
    return Instrument(
        framework="test-pack",
        language="en",
        county=county,
        title=f"Readiness check: {county}",
        elements=["A", "B"],
        element_names={"A": "Fit and priority", "B": "Organizational climate"},
        items=[InstrumentItem(id=i, element=e, text=t) for i, e, t in items],
        scale=Scale(points=points, labels=LABELS[points], dont_know_label=DK),
        role_question="Which group best fits your role?",
        roles=[
            RoleGroup(id="leadership", label="Director, deputy director or manager", level="leadership"),
            RoleGroup(id="supervisors", label="Supervisor", level="supervisor"),
            RoleGroup(id="social_workers", label="Social worker or other line staff"),
            RoleGroup(id="partners", label="Community member or partner agency", level="partner"),
        ],
    )


@pytest.fixture
def inst():
    return make_instrument()


@pytest.fixture
def crowd(inst):
    return vendors.people(inst, 12, seed=3)


def same(res, answers, roles, comments):
    assert [r.role for r in res.responses] == roles
    assert [dict(r.answers) for r in res.responses] == answers
    assert [dict(r.comments) for r in res.responses] == [{e: t for e, t in c.items() if t} for c in comments]


def new_store(tmp_path, inst) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'orb.db'}")
    store.save_instrument(inst)
    return store


# ---------------------------------------------------------------- each vendor, round trip

WRITERS = {
    "surveymonkey csv, matrix": (vendors.surveymonkey, {}, "export.csv", "surveymonkey"),
    "surveymonkey csv, one question each": (vendors.surveymonkey, {"matrix": False}, "export.csv", "surveymonkey"),
    "surveymonkey xlsx": (vendors.surveymonkey, {"xlsx": True}, "export.xlsx", "surveymonkey"),
    "google grid": (vendors.google, {}, "export.csv", "google"),
    "google questions": (vendors.google, {"grid": False, "email": False}, "export.csv", "google"),
    "qualtrics choice text": (vendors.qualtrics, {}, "export.csv", "qualtrics"),
    "qualtrics numeric": (vendors.qualtrics, {"numeric": True}, "export.csv", "qualtrics"),
    "msforms xlsx": (vendors.msforms, {}, "export.xlsx", "msforms"),
    "msforms csv": (vendors.msforms, {"as_csv": True}, "export.csv", "msforms"),
    "redcap labels": (vendors.redcap, {}, "export.csv", "redcap"),
    "paper, tagged": (vendors.paper, {}, "paper.csv", "csv"),
    "paper, bare ids": (vendors.paper, {"headers": "id", "role_header": "Role group"}, "paper.csv", "csv"),
    "paper, text only": (
        vendors.paper,
        {"headers": "text", "comment_header": "prompt", "role_header": "Which group best fits your role?"},
        "paper.csv",
        "csv",
    ),
    "paper, numbers": (vendors.paper, {"numbers": True}, "paper.csv", "csv"),
    "paper xlsx": (vendors.paper, {"xlsx": True}, "paper.xlsx", "xlsx"),
    "paper xlsx, numbers": (vendors.paper, {"xlsx": True, "numbers": True}, "paper.xlsx", "xlsx"),
    "paper, semicolons": (vendors.paper, {"delimiter": ";"}, "paper.csv", "csv"),
    "paper, tabs": (vendors.paper, {"delimiter": "\t"}, "paper.txt", "csv"),
    "paper, title row": (vendors.paper, {"title": "Alder Creek paper forms, typed 2024-06-20"}, "paper.csv", "csv"),
}


@pytest.mark.parametrize("case", WRITERS)
def test_round_trip_and_format_detected(case, inst, crowd, tmp_path):
    write, shape, name, fmt = WRITERS[case]
    answers, roles, comments = crowd
    path = write(tmp_path / name, inst, answers, roles, comments, **shape)
    res = read_export(path, inst)
    assert res.format == fmt
    same(res, answers, roles, comments)
    assert res.dropped == {}
    assert res.ignored_columns == ()
    assert len({r.source_key for r in res.responses}) == len(answers)
    assert all(len(r.source_key) == 64 for r in res.responses)
    stamps = [r.submitted_at for r in res.responses]
    if fmt in ("csv", "xlsx"):
        assert stamps == [None] * len(answers)
    else:
        assert all(s is not None and s.utcoffset() == dt.timedelta(0) for s in stamps)


def test_explicit_format_reads_the_same(inst, crowd, tmp_path):
    path = vendors.surveymonkey(tmp_path / "sm.csv", inst, *crowd)
    assert read_export(path, inst, format="surveymonkey").responses == read_export(path, inst).responses
    with pytest.raises(ImportFileError, match="unknown format"):
        read_export(path, inst, format="typeform")
    assert FORMATS[0] == "auto"


def test_a_real_content_pack_round_trips(tmp_path):
    from orb_widgets.instrument import tailor

    real = tailor("cpm-orb", county="Birch Valley County", points=4)
    answers, roles, comments = vendors.people(real, 20, seed=11)
    res = read_export(vendors.google(tmp_path / "g.csv", real, answers, roles, comments), real)
    same(res, answers, roles, comments)


# ---------------------------------------------------------------- hand-written samples


def test_surveymonkey_sample(inst):
    res = read_export(FIXTURES / "surveymonkey_expanded.csv", inst)
    assert res.format == "surveymonkey"
    assert res.dropped == {INCOMPLETE: 1}
    first, second = res.responses
    assert first.role == "supervisors"
    assert first.answers == {"A1": 4, "A2": 5, "A3": 3, "B1": 2, "B2": 4, "B3": "dk"}
    assert first.submitted_at == dt.datetime(2024, 6, 3, 9, 19, 2, tzinfo=UTC)
    assert second.role == "leadership" and second.answers["B2"] is None
    assert second.comments == {"A": "We need more time, honestly."}


def test_qualtrics_numeric_sample(inst):
    res = read_export(FIXTURES / "qualtrics_numeric.csv", inst)
    assert res.format == "qualtrics"
    assert res.dropped == {"Qualtrics preview": 1, INCOMPLETE: 1}
    (only,) = res.responses
    assert only.role == "partners"  # choice 4 in the order the survey lists the groups
    # 6 on a 5-point scale is the default recode of the last, don't-know choice;
    # -99 is Qualtrics' "seen but unanswered".
    assert only.answers == {"A1": 4, "A2": "dk", "A3": None, "B1": 2, "B2": 3, "B3": 1}
    assert only.comments == {"A": "Staffing is thin."}
    # 14:26:30 in Los Angeles (PDT) as the import-id row says
    assert only.submitted_at == dt.datetime(2024, 6, 11, 21, 26, 30, tzinfo=UTC)


def test_google_sample_counts_rows_as_a_spreadsheet_does(inst, tmp_path):
    res = read_export(FIXTURES / "google_forms.csv", inst)
    assert res.format == "google"
    first, second = res.responses
    assert first.comments == {"B": "Line one\nline two"}
    assert first.submitted_at == dt.datetime(2024, 6, 5, 22, 14, 15, tzinfo=UTC)
    assert second.answers == {"A1": 5, "A2": None, "A3": 2, "B1": None, "B2": None, "B3": 4}
    # The comment cell spans two lines of text, but the next response is still spreadsheet row 3.
    bad = tmp_path / "bad.csv"
    bad.write_text(
        (FIXTURES / "google_forms.csv")
        .read_text("utf-8")
        .replace("Strongly agree,,Disagree", "Strongly agree,,Sometimes"),
        "utf-8",
    )
    with pytest.raises(ImportFileError, match=r"row 3, column 'Fit and priority \[\[A3\]"):
        read_export(bad, inst)


# ---------------------------------------------------------------- vendor details


def test_qualtrics_previews_tests_and_spam_are_dropped_and_counted(inst, tmp_path):
    answers, roles, comments = vendors.people(inst, 7, seed=5, blanks=0)
    statuses = ["IP Address", "Survey Preview", "Survey Test", "Spam", "Imported", "Survey Preview", "IP Address"]
    for numeric in (False, True):
        path = vendors.qualtrics(
            tmp_path / f"q{numeric}.csv", inst, answers, roles, comments, statuses=statuses, numeric=numeric
        )
        res = read_export(path, inst)
        assert res.dropped == {"Qualtrics preview": 2, "Qualtrics test": 1, "Qualtrics spam": 1}
        kept = [0, 4, 6]
        same(res, [answers[k] for k in kept], [roles[k] for k in kept], [comments[k] for k in kept])


def test_qualtrics_unfinished_without_answers_is_incomplete(inst, tmp_path):
    answers = [{"A1": 2}, {}, {"B2": "dk"}]
    path = vendors.qualtrics(tmp_path / "q.csv", inst, answers, ["partners"] * 3)
    res = read_export(path, inst)
    assert res.dropped == {INCOMPLETE: 1}
    assert [r.answers for r in res.responses] == [
        {i.id: {"A1": 2}.get(i.id) for i in inst.items},
        {i.id: {"B2": "dk"}.get(i.id) for i in inst.items},
    ]


def test_qualtrics_recodes_beyond_the_scale_only_in_a_numeric_export(inst, tmp_path):
    answers, roles = [{"A1": "dk", "A2": None, "A3": 3}], ["supervisors"]
    numeric = vendors.qualtrics(
        tmp_path / "n.csv", inst, answers, roles, numeric=True, dk_code=-1, seen_unanswered=True
    )
    assert read_export(numeric, inst).responses[0].answers == {
        "A1": "dk",
        "A2": None,
        "A3": 3,
        "B1": None,
        "B2": None,
        "B3": None,
    }
    text = vendors.qualtrics(tmp_path / "t.csv", inst, answers, roles)
    content = text.read_text("utf-8-sig").replace(f'"{DK}"', '"6"')
    text.write_text(content, "utf-8-sig")
    with pytest.raises(ImportFileError) as err:
        read_export(text, inst)
    assert "row 4" in str(err.value) and "[A1]" in str(err.value) and "'6'" in str(err.value)


def test_surveymonkey_two_header_rows_carry_the_matrix_question(inst, crowd, tmp_path):
    path = vendors.surveymonkey(tmp_path / "sm.csv", inst, *crowd)
    lines = path.read_text("utf-8-sig").splitlines()
    assert lines[0].split(",")[11] == "Fit and priority" and lines[0].split(",")[12] == ""
    assert lines[1].split(",")[11].startswith("[A1]")
    res = read_export(path, inst)
    assert res.responses[0].answers["A2"] == crowd[0][0]["A2"]


def test_google_grid_header_with_the_tag_inside_brackets(inst, tmp_path):
    path = vendors._write_csv(
        tmp_path / "g.csv",
        [
            [
                "Timestamp",
                "Which group best fits your role?",
                "Fit and priority [[A1] Our leaders explain why this change matters.]",
                "Organizational climate [People here learn from each other, and share what works.]",
            ],
            ["6/15/2024 10:23:45", "Supervisor", "Agree", "Disagree"],
        ],
    )
    res = read_export(path, inst)
    assert res.responses[0].answers == {"A1": 4, "B2": 2}
    assert res.responses[0].submitted_at == dt.datetime(2024, 6, 15, 10, 23, 45, tzinfo=UTC)


def test_matching_by_text_when_tags_are_missing(inst, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(
        "ROLE GROUP,our leaders explain why this change matters,"
        "I'm told about changes - early enough to plan for them.,"
        '"Fit and priority - Data are used here to learn, not to blame.",A comments\n'
        "social worker or other line staff,5 - Strongly agree,Strongly agree (5),N/A,Too many memos\n",
        "utf-8",
    )
    res = read_export(path, inst)
    assert res.format == "csv"
    (r,) = res.responses
    assert r.role == "social_workers"
    assert r.answers == {"A1": 5, "A3": 5, "B3": "dk"}
    assert r.comments == {"A": "Too many memos"}


@pytest.mark.parametrize(
    "cell, value",
    [
        ("Agree", 4),
        ("  strongly AGREE ", 5),
        ("4", 4),
        ("4.0", 4),
        ("1 - Strongly disagree", 1),
        ("(3) Neither agree nor disagree", 3),
        ("Disagree (2)", 2),
        (DK, "dk"),
        ("Don’t know", "dk"),
        ("don't know / not applicable", "dk"),
        ("N/A", "dk"),
        ("Not applicable", "dk"),
        ("DK", "dk"),
        ("", None),
        ("   ", None),
    ],
)
def test_answer_forms(cell, value, inst, tmp_path):
    path = tmp_path / "one.csv"
    vendors._write_csv(path, [["role", "[A1]"], ["Supervisor", cell], ["Supervisor", "Agree"]])
    assert read_export(path, inst).responses[0].answers == ({"A1": value} if value is not None else {"A1": 4})


def test_private_columns_never_reach_a_response(inst, crowd, tmp_path):
    writers = [vendors.surveymonkey, vendors.google, vendors.qualtrics, vendors.msforms, vendors.redcap]
    for write in writers:
        res = read_export(write(tmp_path / f"{write.__name__}.csv", inst, *crowd), inst)
        shown = repr(res.responses)
        for secret in vendors.IDENTIFYING:
            assert secret not in shown, (write.__name__, secret)


def test_columns_that_match_nothing_are_reported(inst, tmp_path):
    path = tmp_path / "p.csv"
    vendors._write_csv(path, [["Role", "[A1] x", "Years at the agency"], ["Supervisor", "Agree", "4"]])
    res = read_export(path, inst)
    assert res.ignored_columns == ("Years at the agency",)


def test_a_missing_item_column_is_fine(inst, tmp_path):
    path = tmp_path / "p.csv"
    vendors._write_csv(path, [["Role", "A2"], ["Supervisor", "Agree"]])
    assert read_export(path, inst).responses[0].answers == {"A2": 4}


def test_empty_rows_are_skipped_and_role_only_rows_dropped(inst, tmp_path):
    path = tmp_path / "p.csv"
    vendors._write_csv(
        path,
        [
            ["Role", "A1", "A comments"],
            ["Supervisor", "Agree", ""],
            ["", "", ""],
            ["Supervisor", "", ""],
            ["Supervisor", "", "only a comment"],
        ],
    )
    res = read_export(path, inst)
    assert res.dropped == {INCOMPLETE: 1}
    assert [r.comments for r in res.responses] == [{}, {"A": "only a comment"}]


# ---------------------------------------------------------------- encodings


def test_excel_sep_line_is_not_a_row(inst, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("sep=;\nRole;A1;A2\nSupervisor;Agree;Agree\nSupervisor;Agree;Sometimes\n", "utf-8")
    with pytest.raises(ImportFileError, match=r"row 3, column 'A2'.*'Sometimes'"):
        read_export(path, inst)


def test_xlsx_rows_are_numbered_as_excel_shows_them(inst, tmp_path):
    path = vendors._write_xlsx(
        tmp_path / "p.xlsx",
        [[None], [None], ["Role", "[A1] x", "[A2] y"], ["Supervisor", 4, 5.0], ["Supervisor", 4, "Often"]],
    )
    with pytest.raises(ImportFileError, match=r"row 5, column '\[A2\] y'.*'Often'"):
        read_export(path, inst)


def test_utf8_bom_file(inst, crowd, tmp_path):
    path = vendors.paper(tmp_path / "bom.csv", inst, *crowd, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    same(read_export(path, inst), *crowd)


def test_windows_latin_file(inst, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "Role,[A1] x,[A3] y,A comments\r\n"
        "Supervisor,Don\u2019t know,Agree,Se\u00f1ora D\u00edaz\u2019s team helped\r\n".encode("cp1252")
    )
    (r,) = read_export(path, inst).responses
    assert r.answers == {"A1": "dk", "A3": 4}
    assert r.comments == {"A": "Se\u00f1ora D\u00edaz\u2019s team helped"}


def test_utf16_tab_file_from_excel_unicode_text(inst, crowd, tmp_path):
    path = vendors.paper(tmp_path / "unicode.txt", inst, *crowd, encoding="utf-16", delimiter="\t")
    same(read_export(path, inst), *crowd)


# ---------------------------------------------------------------- property: any answers survive

ANSWER = st.one_of(st.none(), st.just("dk"), st.integers(1, 5))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.fixed_dictionaries({i: ANSWER for i in ("A1", "A2", "A3", "B1", "B2", "B3")}),
            st.sampled_from(["leadership", "supervisors", "social_workers", "partners"]),
            st.dictionaries(
                st.sampled_from(["A", "B"]),
                st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip),
            ),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["surveymonkey", "google", "qualtrics"]),
)
def test_any_answers_round_trip(rows, vendor):
    inst = make_instrument()
    kept = [
        (a, r, {e: t.strip() for e, t in c.items()}) for a, r, c in rows if any(v is not None for v in a.values()) or c
    ]
    answers, roles, comments = ([x[k] for x in rows] for k in range(3))
    with tempfile.TemporaryDirectory() as folder:
        path = getattr(vendors, vendor)(Path(folder) / "x.csv", inst, answers, roles, comments)
        if not kept:  # a file in which nobody answered anything is refused, not an empty wave
            with pytest.raises(ImportFileError, match="holds no responses"):
                read_export(path, inst)
            return
        res = read_export(path, inst)
        again = read_export(path, inst)
    assert res.format == vendor
    assert [r.role for r in res.responses] == [k[1] for k in kept]
    assert [dict(r.answers) for r in res.responses] == [k[0] for k in kept]
    assert [dict(r.comments) for r in res.responses] == [k[2] for k in kept]
    assert res.dropped == ({INCOMPLETE: len(rows) - len(kept)} if len(kept) < len(rows) else {})
    assert [r.source_key for r in again.responses] == [r.source_key for r in res.responses]


# ---------------------------------------------------------------- bad input: one line, nothing stored

BAD = {
    "answer off the scale": (
        [
            ["Role", "[A1] Our leaders", "[A2] Fits"],
            ["Supervisor", "Agree", "Agree"],
            ["Supervisor", "Agree", "Somewhat agree"],
        ],
        [
            "row 3",
            "column '[A2] Fits'",
            "'Somewhat agree'",
            "Strongly disagree | Disagree | Agree | Strongly agree | Don't know / not applicable",
        ],
    ),
    "number off the scale": ([["Role", "A1"], ["Supervisor", "5"]], ["row 2", "column 'A1'", "'5'", "4-point"]),
    "unknown role": (
        [["Role", "A1"], ["Supervisor", "Agree"], ["Janitor", "Agree"]],
        ["row 3", "column 'Role'", "'Janitor'", "Director, deputy director or manager | Supervisor"],
    ),
    "blank role": ([["Role", "A1"], ["", "Agree"]], ["row 2", "column 'Role'", "value: ''", "fill in one of"]),
    "no item column": (
        [["Role", "Question one", "Question two"], ["Supervisor", "Agree", "Agree"]],
        ["row 1", "no column matches a question", "[A1]-style tags"],
    ),
    "unknown tag": (
        [["Role", "[A1] x", "[Z9] Something else"], ["Supervisor", "Agree", "Agree"]],
        ["row 1", "column '[Z9] Something else'", "'[Z9]'", "no question Z9"],
    ),
    "unknown comment section": (
        [["Role", "[A1] x", "[Q-comments] more"], ["Supervisor", "Agree", "hi"]],
        ["row 1", "column '[Q-comments] more'", "'[Q-comments]'", "no section Q"],
    ),
    "two columns for one item": (
        [["Role", "[A1] x", "A1"], ["Supervisor", "Agree", "Agree"]],
        ["row 1", "column 'A1'", "two columns hold question A1", "'[A1] x'"],
    ),
    "no role column": (
        [["Team", "[A1] x"], ["Supervisor", "Agree"]],
        ["row 1", "no column holds the role group", "Which group best fits your role?"],
    ),
    "same paper form twice": (
        [["ID", "Role", "A1"], ["17", "Supervisor", "Agree"], ["17", "Supervisor", "Disagree"]],
        ["row 3", "column 'ID'", "'17'", "also on row 2"],
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_names_row_column_and_value_and_stores_nothing(case, tmp_path):
    inst4 = make_instrument(points=4)
    rows, words = BAD[case]
    path = vendors._write_csv(tmp_path / "bad.csv", rows)
    store = new_store(tmp_path, inst4)
    with pytest.raises(ImportFileError) as err:
        res = read_export(path, inst4)
        store.add_responses(inst4.county, "2024-summer", res.responses, instrument=inst4)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path))
    assert message.endswith("Nothing was imported.")
    for w in words:
        assert w in message, (w, message)
    assert store.response_count(inst4.county) == 0


def test_bad_value_in_a_vendor_file_names_its_spreadsheet_row(inst, crowd, tmp_path):
    answers, roles, comments = crowd
    answers = [dict(a) for a in answers]
    answers[4]["B1"] = 2
    path = vendors.surveymonkey(tmp_path / "sm.csv", inst, answers, roles, comments)
    path.write_text(path.read_text("utf-8-sig").replace(",Disagree,", ",Disagreee,", 1), "utf-8-sig")
    with pytest.raises(ImportFileError) as err:
        read_export(path, inst)
    assert "'Disagreee'" in str(err.value) and "column '[" in str(err.value)
    row = int(str(err.value).split("row ")[1].split(",")[0])
    assert row >= 3  # two header rows come first


def test_unknown_qualtrics_status(inst, tmp_path):
    path = vendors.qualtrics(tmp_path / "q.csv", inst, [{"A1": 1}], ["partners"], statuses=["IP Address"])
    path.write_text(path.read_text("utf-8-sig").replace('"IP Address","198', '"Synthetic","198'), "utf-8-sig")
    with pytest.raises(ImportFileError, match=r"row 4, column 'Response Type'.*'Synthetic'"):
        read_export(path, inst)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text CSV"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "web page"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        (b"PK\x03\x04not really a workbook", ".xlsx"),
        (b"just one column\nSupervisor\n", "one column"),
    ],
)
def test_files_that_cannot_be_read(content, words, inst, tmp_path):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as err:
        read_export(path, inst)
    assert words in str(err.value) and str(path) in str(err.value)


def test_missing_file(inst, tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        read_export(tmp_path / "nope.csv", inst)


# ---------------------------------------------------------------- re-import


def test_reimport_gives_the_same_keys_and_stores_nothing_new(inst, crowd, tmp_path):
    store = new_store(tmp_path, inst)
    for n, write in enumerate(
        [vendors.surveymonkey, vendors.google, vendors.qualtrics, vendors.msforms, vendors.redcap, vendors.paper]
    ):
        path = write(tmp_path / f"{write.__name__}.csv", inst, *crowd)
        first, again = read_export(path, inst), read_export(path, inst)
        assert [r.source_key for r in first.responses] == [r.source_key for r in again.responses]
        assert store.add_responses(inst.county, "2024-summer", first.responses, instrument=inst) == (12, 0)
        assert store.add_responses(inst.county, "2024-summer", again.responses, instrument=inst) == (0, 12)
        assert store.response_count(inst.county) == 12 * (n + 1)  # vendors never collide


def test_surveymonkey_csv_and_xlsx_of_one_survey_share_keys(inst, crowd, tmp_path):
    as_csv = read_export(vendors.surveymonkey(tmp_path / "sm.csv", inst, *crowd), inst)
    as_xlsx = read_export(vendors.surveymonkey(tmp_path / "sm.xlsx", inst, *crowd, xlsx=True), inst)
    assert as_csv.responses == as_xlsx.responses


def test_identical_paper_rows_stay_two_people(inst, tmp_path):
    path = vendors.paper(tmp_path / "p.csv", inst, [{"A1": 3}, {"A1": 3}, {"A1": 4}], ["partners"] * 3)
    keys = [r.source_key for r in read_export(path, inst).responses]
    assert len(set(keys)) == 3
    grown = vendors.paper(tmp_path / "p2.csv", inst, [{"A1": 3}, {"A1": 3}, {"A1": 4}, {"A1": 3}], ["partners"] * 4)
    assert [r.source_key for r in read_export(grown, inst).responses][:3] == keys


def test_csv_and_xlsx_copies_of_a_paper_table_share_keys(inst, crowd, tmp_path):
    as_csv = read_export(vendors.paper(tmp_path / "p.csv", inst, *crowd), inst)
    as_xlsx = read_export(vendors.paper(tmp_path / "p.xlsx", inst, *crowd, xlsx=True), inst)
    assert (as_csv.format, as_xlsx.format) == ("csv", "xlsx")
    assert [r.source_key for r in as_csv.responses] == [r.source_key for r in as_xlsx.responses]


def test_msforms_ids_from_two_forms_do_not_collide(inst, crowd, tmp_path):
    answers, roles, comments = crowd
    one = read_export(vendors.msforms(tmp_path / "one.xlsx", inst, answers[:3], roles[:3]), inst)
    two = read_export(vendors.msforms(tmp_path / "two.xlsx", inst, answers[3:6], roles[3:6], days_later=30), inst)
    # Both forms number their responses 1, 2, 3: the times keep them apart.
    assert not {r.source_key for r in one.responses} & {r.source_key for r in two.responses}


def test_paper_id_column_is_the_identity(inst, tmp_path):
    a = read_export(vendors.paper(tmp_path / "a.csv", inst, [{"A1": 3}], ["partners"], ids=["F-101"]), inst)
    fixed = read_export(vendors.paper(tmp_path / "b.csv", inst, [{"A1": 4}], ["partners"], ids=["F-101"]), inst)
    assert a.responses[0].source_key == fixed.responses[0].source_key


def test_sha256_is_of_the_file_bytes(inst, crowd, tmp_path):
    import hashlib

    path = vendors.google(tmp_path / "g.csv", inst, *crowd)
    assert read_export(path, inst).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- `orb import`: all or nothing, one line


ROLE_Q = "Which group best fits your role?"


@pytest.fixture
def ws(workspace, inst, capsys):
    s = App.for_workspace(workspace, create=True).store
    s.add_county(inst.county)
    s.save_instrument(inst)
    return workspace


def google_rows(n, comment=lambda k: ""):
    """A Google Forms CSV body of ``n`` people (one header row)."""
    head = [
        "Timestamp",
        ROLE_Q,
        "Fit and priority [[A1] Our leaders explain why this change matters.]",
        "[A2] The practice model fits how we want to work with families.",
        "[A3] x",
        "[B1] x",
        "[B2] x",
        "[B3] x",
        "[B-comments] Anything else?",
    ]
    rows = [head]
    for k in range(n):
        rows.append(
            [
                f"6/5/2024 {10 + k // 60}:{k % 60:02d}:15",
                "Supervisor",
                "Agree",
                "Disagree",
                "Agree",
                "Strongly agree",
                "",
                "Agree",
                comment(k),
            ]
        )
    return rows


def write_csv(path, rows, encoding="utf-8"):
    import csv as _csv
    import io as _io

    buf = _io.StringIO()
    _csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def refused(capsys, ws, inst, path, *words, extra=()):
    before = App.for_workspace(ws, create=True).store.response_count(inst.county)
    code, out, err = orb(capsys, "import", "--workspace", ws, "--county", inst.county, "--wave", "w1", path, *extra)
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2, (out, err)
    assert len(lines) == 1 and lines[0].startswith("orb: ") and "Traceback" not in err, err
    for w in (str(path), *words):
        assert w in lines[0], lines[0]
    assert App.for_workspace(ws, create=True).store.response_count(inst.county) == before
    assert "w1" not in App.for_workspace(ws, create=True).store.waves(inst.county)
    return lines[0]


def test_an_unterminated_quote_is_refused_at_its_row(ws, inst, capsys, tmp_path):
    path = tmp_path / "typed.csv"
    text = write_csv(tmp_path / "ok.csv", google_rows(100)).read_text("utf-8").splitlines(keepends=True)
    # row 3: a comment opened with a quote that is never closed, swallowing the rows below it
    text[2] = text[2].rstrip("\r\n") + '"She said ""we need time\r\n'
    text[2] = text[2].replace(',"She', ',"She', 1)
    path.write_text("".join(text), "utf-8")
    refused(capsys, ws, inst, path, "row 3", "never closed")


def test_a_row_with_more_cells_than_the_header_is_refused(ws, inst, capsys, tmp_path):
    rows = google_rows(10)
    rows[6] = rows[6] + ["stray"]
    refused(capsys, ws, inst, write_csv(tmp_path / "wide.csv", rows), "row 7", "10 cells", "has 9")


def test_a_utf8_file_with_one_latin1_row_is_refused_at_that_row(ws, inst, capsys, tmp_path):
    rows = google_rows(20, comment=lambda k: "café au lait" if k == 2 else "")
    path = write_csv(tmp_path / "mixed.csv", rows)
    data = path.read_bytes().replace("café au lait".encode("utf-8"), "café au lait".encode("latin-1"), 1)
    data = data.replace(b"Anything else?", "Anything else? – ok".encode("utf-8"))  # UTF-8 elsewhere
    path.write_bytes(data)
    refused(capsys, ws, inst, path, "row 4", "not UTF-8", "--encoding")


def test_shift_jis_is_refused_unless_the_encoding_is_given(ws, inst, capsys, tmp_path):
    rows = google_rows(6, comment=lambda k: "研修の時間がもっと必要です。チームで話し合いたい。")
    path = write_csv(tmp_path / "sjis.csv", rows, encoding="shift_jis")
    refused(capsys, ws, inst, path, "--encoding")
    code, out, err = orb(
        capsys, "import", "--workspace", ws, "--county", inst.county, "--wave", "w1", path, "--encoding", "shift_jis"
    )
    assert code == 0, err
    comments = App.for_workspace(ws, create=True).store.comments(inst.county, "w1")
    assert {c["text"] for c in comments} == {"研修の時間がもっと必要です。チームで話し合いたい。"}


def test_a_file_without_responses_is_refused(ws, inst, capsys, tmp_path):
    refused(capsys, ws, inst, write_csv(tmp_path / "header-only.csv", google_rows(0)), "holds no responses")


def test_a_question_without_a_column_is_named_and_can_be_required(ws, inst, capsys, tmp_path):
    rows = google_rows(8)
    rows[0][3] = "[A2 reworded] The model suits us"  # the tag was broken in the survey tool
    path = write_csv(tmp_path / "edited.csv", rows)
    refused(capsys, ws, inst, path, "A2", "The model suits us", extra=["--require-all-questions"])
    code, out, err = orb(capsys, "import", "--workspace", ws, "--county", inst.county, "--wave", "w1", path)
    assert code == 0, err
    assert "not in the file, so not scored: A2" in out
    assert "Columns not used" in err and "[A2 reworded] The model suits us" in err
    # the corrected file (tag put back) adds nobody: a response's key does not depend on its answers
    rows[0][3] = "[A2] The practice model fits how we want to work with families."
    code, out, err = orb(
        capsys,
        "import",
        "--workspace",
        ws,
        "--county",
        inst.county,
        "--wave",
        "w1",
        write_csv(tmp_path / "fixed.csv", rows),
    )
    assert code == 0 and "Imported 0 responses" in out and "8 already imported" in out, out


def test_two_people_with_the_same_answers_in_the_same_minute_both_count(ws, inst, capsys, tmp_path):
    rows = google_rows(3)
    rows.append(list(rows[1]))  # same minute, role and answers
    path = write_csv(tmp_path / "twins.csv", rows)
    code, out, _ = orb(capsys, "import", "--workspace", ws, "--county", inst.county, "--wave", "w1", path)
    assert code == 0 and "Imported 4 responses" in out
    # the same sheet downloaded as .xlsx, times kept to the millisecond: nobody new
    vendors._write_xlsx(
        tmp_path / "twins.xlsx",
        [
            [
                cell if j or not k else dt.datetime(2024, 6, 5, 10, (k - 1) % 3 if k < 4 else 0, 14, 700000)
                for j, cell in enumerate(r)
            ]
            for k, r in enumerate(rows)
        ],
    )
    code, out, _ = orb(
        capsys, "import", "--workspace", ws, "--county", inst.county, "--wave", "w1", tmp_path / "twins.xlsx"
    )
    assert code == 0 and "Imported 0 responses" in out and "4 already imported" in out, out


def test_a_sheet_claiming_a_million_rows_and_columns_is_read_quickly(ws, inst, capsys, tmp_path):
    import zipfile

    small = vendors._write_xlsx(tmp_path / "small.xlsx", google_rows(3))
    claimed = tmp_path / "claimed.xlsx"
    with zipfile.ZipFile(small) as zin, zipfile.ZipFile(claimed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            zout.writestr(info, data)
    code, out, err = orb(capsys, "import", "--workspace", ws, "--county", inst.county, "--wave", "w1", claimed)
    assert code == 0 and "Imported 3 responses" in out, err


def test_a_compressed_bomb_is_refused_before_it_is_expanded(ws, inst, capsys, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * 60_000_000 + b"</row>")
    refused(capsys, ws, inst, bomb, "compressed", "times")


def test_old_xls_is_refused_naming_xls(ws, inst, capsys, tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    refused(capsys, ws, inst, path, ".xls")


def test_format_choices_come_from_the_registry():
    from orb_widgets.importers import registry

    @registry.register
    class Made(registry.Vendor):
        name, title, order = "made-up-tool", "Made-up tool", 999

    try:
        assert "made-up-tool" in registry.formats()
        assert registry.formats()[0] == "auto" and {"qualtrics", "google", "csv"} <= set(registry.formats())
    finally:
        registry._VENDORS.pop("made-up-tool")
