"""Routed statements: each statement shown only to the role groups it is for, and scored that way.

Scoring rule 3 with routing: a person's element score needs half of the element's statements
*shown to their role group*; a group shown none of an element's statements has no score there;
an unrouted survey (or one routing everything to everyone) scores exactly as before.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orb_cli import orb as _orb

from orb_widgets.exceptions import InstrumentError
from orb_widgets.instrument import export_text, from_json, tailor
from orb_widgets.scoring import respondent_element_scores, score

ROLES = ["boss", "worker", "partner"]


def _answers(rows):
    return pd.DataFrame(
        [
            {"respondent": r, "wave": "W1", "role": role, "item": i, "value": v, "dont_know": v is None}
            for r, role, i, v in rows
        ],
        columns=["respondent", "wave", "role", "item", "value", "dont_know"],
    ).astype({"value": float})


# ---------------------------------------------------------------- hand-checked scoring
ITEMS = pd.DataFrame(
    {
        "item": ["a1", "a2", "a3", "a4", "b1", "b2"],
        "element": ["A", "A", "A", "A", "B", "B"],
        "reverse": False,
        # a1 everyone; a2-a4 staff only; b1, b2 staff only: partners see one A statement and no B
        "roles": [None, ("boss", "worker"), ("boss", "worker"), ("boss", "worker"), ("boss", "worker"), ("worker",)],
    }
)


def test_partner_scored_on_the_one_statement_shown_to_them():
    # A partner answered a1 only: 1 of the 1 A statements shown to partners, so a score of 2.
    # Unrouted, 1 of 4 would be too few (rule 3) and the partner would have no A score.
    s = respondent_element_scores(_answers([("p1", "partner", "a1", 2.0)]), ITEMS, 5)
    assert s[["element", "n_items", "n_answered", "score"]].to_dict("records") == [
        {"element": "A", "n_items": 1, "n_answered": 1, "score": 2.0}
    ]
    unrouted = respondent_element_scores(_answers([("p1", "partner", "a1", 2.0)]), ITEMS.drop(columns="roles"), 5)
    assert np.isnan(unrouted["score"].iloc[0])


def test_half_of_the_statements_shown_to_the_role():
    # A boss is shown a1-a4 in A (4) and b1 in B (1); a worker a1-a4 and b1, b2.
    rows = [
        ("x", "boss", "a1", 4.0),
        ("x", "boss", "a2", 2.0),  # 2 of 4: scored, mean 3
        ("x", "boss", "b1", 5.0),  # 1 of 1: scored
        ("y", "worker", "a1", 5.0),  # 1 of 4: no A score
        ("y", "worker", "b2", 1.0),  # 1 of 2: scored
    ]
    s = respondent_element_scores(_answers(rows), ITEMS, 5).set_index(["respondent", "element"])
    assert s.loc[("x", "A"), ["n_items", "score"]].tolist() == [4, 3.0]
    assert s.loc[("x", "B"), ["n_items", "score"]].tolist() == [1, 5.0]
    assert s.loc[("y", "A"), "n_items"] == 4 and np.isnan(s.loc[("y", "A"), "score"])
    assert s.loc[("y", "B"), ["n_items", "score"]].tolist() == [2, 1.0]


def test_an_answer_to_a_statement_not_shown_to_the_role_is_not_scored():
    # A partner's answer to b1 (a paper form, a survey tool without display logic) counts nowhere.
    rows = [(f"p{k}", "partner", "a1", 4.0) for k in range(5)] + [(f"p{k}", "partner", "b1", 1.0) for k in range(5)]
    result = score(_answers(rows), ITEMS, 5, 5, {"boss": "leadership", "worker": "staff", "partner": "partner"})
    elements = {e["element"]: e for e in result["elements"]}
    assert elements["A"]["n"] == 5 and elements["A"]["mean"] == 4.0
    # A group shown no statement of B has no score there: B has nobody, not five people missing.
    assert elements["B"]["suppressed"] and elements["B"]["mean"] is None
    scores = respondent_element_scores(_answers(rows), ITEMS, 5)
    assert set(scores["element"]) == {"A"}
    assert [i["item"] for i in result["items"]] == ["a1"]
    assert not [r for r in result["by_role"] if r["element"] == "B"]


def test_partners_count_in_an_element_only_where_they_were_asked():
    # Five partners and five workers: A is everyone's (n 10); B only the workers' (n 5), no "missing".
    rows = []
    for k in range(5):
        rows += [(f"p{k}", "partner", "a1", 2.0)]
        rows += [(f"w{k}", "worker", i, 4.0) for i in ["a1", "a2", "a3", "a4", "b1", "b2"]]
    result = score(_answers(rows), ITEMS, 5, 5, {"boss": "leadership", "worker": "staff", "partner": "partner"})
    elements = {e["element"]: e for e in result["elements"]}
    assert (elements["A"]["n"], elements["A"]["mean"]) == (10, 3.0)
    assert (elements["B"]["n"], elements["B"]["mean"]) == (5, 4.0)
    by_role = {(r["role"], r["element"]): r for r in result["by_role"]}
    assert ("partner", "B") not in by_role
    assert by_role[("partner", "A")]["mean"] == 2.0


# ---------------------------------------------------------------- unrouted: exactly as before
@st.composite
def surveys(draw):
    n_items = draw(st.integers(1, 6))
    elements = [draw(st.sampled_from("ABC")) for _ in range(n_items)]
    items = pd.DataFrame(
        {
            "item": [f"i{k}" for k in range(n_items)],
            "element": elements,
            "reverse": [draw(st.booleans()) for _ in range(n_items)],
        }
    )
    people = draw(st.integers(1, 14))
    rows = []
    for p in range(people):
        role = draw(st.sampled_from(ROLES))
        wave = draw(st.sampled_from(["W1", "W2"]))
        for item in items["item"]:
            v = draw(st.sampled_from([None, "dk", 1, 2, 3, 4, 5]))
            if v is not None:
                rows.append(
                    {
                        "respondent": f"r{p}",
                        "wave": wave,
                        "role": role,
                        "item": item,
                        "value": np.nan if v == "dk" else float(v),
                        "dont_know": v == "dk",
                    }
                )
    answers = pd.DataFrame(rows, columns=["respondent", "wave", "role", "item", "value", "dont_know"])
    return answers.astype({"value": float}), items, draw(st.integers(1, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys())
def test_routing_everything_to_everyone_scores_exactly_as_unrouted(survey):
    answers, items, min_group = survey
    levels = {"boss": "leadership", "worker": "staff", "partner": "partner"}
    comps = [{"id": "1", "name": "One", "elements": ["A", "B"]}]
    plain = score(answers, items, 5, min_group, levels, comps, ["W1", "W2"])
    for routes in ([tuple(ROLES)] * len(items), [None] * len(items)):
        same = score(answers, items.assign(roles=routes), 5, min_group, levels, comps, ["W1", "W2"])
        assert json.dumps(same, sort_keys=True) == json.dumps(plain, sort_keys=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys(), st.data())
def test_routed_score_equals_unrouted_score_of_the_answers_shown(survey, data):
    """Routing drops what a group was not shown and then applies rule 3 per group; scoring each group
    alone without routing, on its own statements only, gives the same respondent scores."""
    answers, items, _ = survey
    routes = [tuple(r for r in ROLES if data.draw(st.booleans(), label=f"{i}-{r}")) or None for i in items["item"]]
    routed = respondent_element_scores(answers, items.assign(roles=routes), 5)
    for role in ROLES:
        mine = [i for i, r in zip(items["item"], routes) if r is None or role in r]
        alone = respondent_element_scores(
            answers[(answers["role"] == role) & answers["item"].isin(mine)],
            items[items["item"].isin(mine)],
            5,
        )
        got = routed[routed["role"] == role].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone.reset_index(drop=True), check_dtype=False, check_categorical=False)


# ---------------------------------------------------------------- the instrument
def test_an_unrouted_instrument_keeps_its_id_and_stored_form():
    inst = tailor("cpm-orb", county="Example County")
    assert not inst.routed
    assert all("roles" not in i for i in inst.model_dump(mode="json")["items"])
    assert "roles" not in inst.items_frame().columns
    assert from_json(json.loads(inst.model_dump_json())).id == inst.id
    # Routing everything to everyone is the same survey as no routing.
    every = tailor("cpm-orb", county="Example County", routes={i.id: "all" for i in inst.items})
    assert every.id == inst.id and not every.routed


def test_routed_instrument_follows_the_packs_tags_and_the_teams_changes():
    inst = tailor("cpm-orb", county="Example County", routed=True, routes={"A1": "leadership,supervisors"})
    assert inst.routed
    assert [r.id for r in inst.asked_of(inst.item("F2"))] == ["supervisors", "social_workers", "support_staff"]
    assert [r.id for r in inst.asked_of(inst.item("A1"))] == ["leadership", "supervisors"]
    assert "A1" not in [i.id for i in inst.items_for("partners")]
    again = from_json(json.loads(inst.model_dump_json()))
    assert again.id == inst.id and again.item("F2").roles == inst.item("F2").roles
    shown = json.loads(json.dumps(inst.to_json()))
    assert shown["routed"] and shown["items"][0]["roles"] == ["leadership", "supervisors"]


def test_only_the_chosen_groups_are_routed_to():
    inst = tailor("cpm-orb", county="X", roles="supervisors,partners", routed=True, elements="F")
    assert [i.id for i in inst.items_for("partners")] == ["F3", "F4", "F6"]
    assert inst.item("F3").roles is None  # every group asked: no routing needed


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"routes": {"Z9": "partners"}}, "cannot route Z9"),
        ({"routes": {"F2": "mayors"}}, "role group 'mayors' is not asked"),
        ({"routes": {"F2": ""}}, "name at least one role group"),
        ({"roles": "partners", "items": "F2", "routed": True}, "statement F2 is meant for"),
        ({"roles": "leadership,partners", "items": "F1,F2", "routes": {"F2": "leadership"}}, "'partners' would be"),
    ],
)
def test_bad_routes_say_what_to_fix(kwargs, words):
    with pytest.raises(InstrumentError, match=words):
        tailor("cpm-orb", county="X", **kwargs)


def test_export_tells_each_survey_tool_who_sees_what():
    inst = tailor("cpm-orb", county="X", routed=True)
    text = export_text(inst)
    for tool in ("Qualtrics", "SurveyMonkey", "Google Forms", "REDCap"):
        assert tool in text
    assert "[F2] asked of: Supervisor, Social worker or other line staff, Support or clerical staff" in text
    assert (
        "REDCap branching logic: [role] = 'supervisors' or [role] = 'social_workers' or [role] = 'support_staff'"
        in text
    )
    partners = next(line for line in text.splitlines() if line.startswith("Community member or partner agency:"))
    assert "F2" not in partners.split() and "A1" in partners.split()
    assert "WHO IS ASKED WHAT" not in export_text(tailor("cpm-orb", county="X"))


def test_build_response_refuses_answers_and_comments_off_the_groups_route():
    from orb_widgets.exceptions import InvalidValue
    from orb_widgets.survey.form import build_response, form_view

    inst = tailor("cpm-orb", county="X", elements="A,F", routes={f"F{k}": "leadership" for k in range(1, 7)})
    assert [p.element for p in form_view(inst, role="partners").parts] == ["A"]
    assert build_response(inst, "partners", {"A1": 3}, {"A": "ok"}).answers == {"A1": 3}
    assert build_response(inst, "leadership", {"F2": 3}, {"F": "ok"}).answers == {"F2": 3}
    for answers, comments in [({"F1": 3}, None), ({"A1": 3, "F1": "dk"}, None), ({"A1": 3}, {"F": "hi"})]:
        with pytest.raises(InvalidValue) as e:
            build_response(inst, "partners", answers, comments)
        assert e.value.fields.get("field") == "route"
    assert build_response(inst, "partners", {"A1": 3}, {"F": " "}).comments == {}  # an empty box is no answer


# ---------------------------------------------------------------- the served survey
@pytest.fixture
def routed_server(tmp_path, monkeypatch):
    from survey_server import COUNTY, make_workspace, start

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = make_workspace(tmp_path / "ws")
    store.save_instrument(tailor("cpm-orb", county=COUNTY, routed=True))  # nobody answered yet: replaces it
    running = start(tmp_path / "ws")
    yield running
    running.stop()


def _fields(page, prefix="q-"):
    return sorted(set(re.findall(rf'name="{prefix}([\w-]+)"', page)))


def test_routed_survey_asks_the_role_first_then_shows_that_groups_statements(routed_server):
    from survey_server import COUNTY, Browser

    inst = routed_server.store.current_instrument(COUNTY)
    b = Browser()
    first = b.get(routed_server.link())
    assert b.status == 200
    assert 'method="get"' in first and _fields(first) == [] and len(re.findall(r'name="role"', first)) == 5
    assert "Next: my statements" in first
    for role in ("partners", "supervisors", "leadership"):
        page = b.get(routed_server.link(query=f"?role={role}"))
        assert b.status == 200
        assert _fields(page) == sorted(i.id for i in inst.items_for(role))
        assert b.hidden()["role"] == role and 'type="radio" name="role"' not in page
        assert '?lang=en"' in page  # "Not your group? Choose again" goes back to the first page
    partners = b.get(routed_server.link(query="?role=partners"))
    assert "My supervisor helps me" not in partners and "q-F2" not in partners
    assert "in team meetings and in supervision" not in partners
    assert "It has 16 short statements" in partners
    # A part with no statement for the group is left out, and so is its comment box.
    parts = _fields(partners, "c-")
    assert parts == sorted({inst.item(i).element for i in _fields(partners)})
    # Other languages keep the group.
    spanish = b.get(routed_server.link(query="?role=partners&lang=es"))
    assert "Usted contesta como: Miembro de la comunidad o agencia colaboradora." in spanish
    assert _fields(spanish) == _fields(partners)
    # A group this survey does not have: the first page again.
    assert _fields(b.get(routed_server.link(query="?role=mayors"))) == []


def test_an_answer_to_a_statement_not_shown_to_the_group_is_refused_and_nothing_stored(routed_server):
    from survey_server import COUNTY, WAVE, Browser

    b = Browser()
    b.get(routed_server.link(query="?role=partners"))
    form = b.hidden()
    b.post(routed_server.link(), {"q-A1": "4", "q-F2": "5"}, hidden=form)
    assert b.status == 400
    assert "Some answers were to statements your group is not asked, so nothing was saved." in b.page
    assert "q-F2" not in b.page and b.checked() == {"q-A1": "4"}  # the partners' page again, A1 kept
    assert routed_server.store.response_count(COUNTY, WAVE) == 0
    b.post(routed_server.link(), {"q-A1": "4", "q-F3": "dk", "c-A": "fine"})
    assert "Thank you" in b.page
    stored = routed_server.store.answers_frame(COUNTY)
    assert set(stored["role"]) == {"partners"} and sorted(stored["item"]) == ["A1", "F3"]


def test_an_unrouted_survey_ticks_the_role_from_the_link_and_shows_everything(routed_server):
    from survey_server import OTHER, Browser

    b = Browser()
    page = b.get(routed_server.link(routed_server.other_token, "?role=partners"))
    inst = routed_server.store.current_instrument(OTHER)
    assert not inst.routed and _fields(page) == sorted(i.id for i in inst.items)
    assert b.checked()["role"] == "partners"


# ---------------------------------------------------------------- the command line
def test_cli_creates_a_routed_survey_and_exports_who_sees_what(workspace, capsys, tmp_path):
    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    code, out, err = _orb(
        capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
        "--framework", "cpm-orb", "--routed", "--route", "a1=leadership,supervisors", "--route", "F2=all", "--json",
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(out)
    items = {i["id"]: i["roles"] for i in body["items"]}
    assert body["routed"] and items["A1"] == ["leadership", "supervisors"]
    assert items["F2"] == ["leadership", "supervisors", "social_workers", "support_staff", "partners"]
    assert items["F5"] == ["supervisors", "social_workers", "support_staff"]
    code, out, _ = _orb(capsys, "instrument", "export", "--workspace", workspace, "--county", "Bayside County",
                        "--out", tmp_path)  # fmt: skip
    text = (tmp_path / "bayside-county-survey.txt").read_text()
    assert code == 0 and "[A1] asked of: Director, deputy director or manager, Supervisor" in text
    assert "REDCap branching logic: [role] = 'leadership' or [role] = 'supervisors'" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--route", "F2"], "--route F2: write it as STATEMENT=GROUP,GROUP"),
        (["--route", "F2=mayors"], "role group 'mayors' is not asked"),
        (["--roles", "partners", "--items", "F2", "--routed"], "statement F2 is meant for"),
    ],
)
def test_cli_bad_routes_are_one_line_and_exit_2(workspace, capsys, args, words):
    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    code, out, err = _orb(
        capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
        "--framework", "cpm-orb", *args,
    )  # fmt: skip
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ---------------------------------------------------------------- step 4: tailoring
def test_tailoring_routes_a_new_survey_and_lets_the_team_change_who_is_asked(workspace):
    import html

    from orb_widgets.app import App
    from orb_widgets.widgets import TailorAssessment
    from orb_widgets.widgets.context import WorkbookContext

    store = App.for_workspace(workspace, create=True).store
    store.add_county("Cedar County", "cpm-orb")
    page = TailorAssessment(
        WorkbookContext(store, "Cedar County", user="Ana", remember=False), scheduler=lambda delay, callback: None
    )
    assert page.routed.value  # a new survey asks each group only its statements
    assert page.items["F2"].route == ["supervisors", "social_workers", "support_staff"]  # the pack's tags
    assert page.items["F2"].route_box.layout.display == "flex"
    page.items["F2"].route = ["social_workers"]
    page.items["A1"].asked.value = ["Supervisor", "Community member or partner agency"]
    assert page.preview()
    page.preview_role.value = "partners"
    partners = html.unescape(page.preview_box.children[1].value)
    assert "I know why this agency uses the practice model." in partners and "My supervisor helps" not in partners
    inst = page.save()
    assert inst is not None and inst.routed, page.status.text
    assert inst.item("F2").roles == ["social_workers"]
    assert inst.item("A1").roles == ["supervisors", "partners"]
    assert store.current_instrument("Cedar County").id == inst.id
    assert page.export("text").read_text("utf-8").count("REDCap branching logic") == sum(
        1 for i in inst.items if i.roles is not None
    )
    # Opened again: the saved routes are on screen, and nothing is "unsaved".
    again = TailorAssessment(
        WorkbookContext(store, "Cedar County", user="Ben", remember=False), scheduler=lambda delay, callback: None
    )
    assert again.items["F2"].route == ["social_workers"] and again.routed.value
    assert again.build().id == inst.id
    # Nobody asked a statement: said plainly, nothing saved.
    again.items["A2"].route = []
    assert again.save() is None and "A2 is asked of none of the groups" in again.status.text
    # Routing off: every statement to every group, as before.
    again.items["A2"].route = ["leadership"]
    again.routed.value = False
    assert again.items["A2"].route_box.layout.display == "none"
    assert not again.build().routed


def test_a_survey_saved_before_routing_opens_unrouted(workspace):
    from orb_widgets.app import App
    from orb_widgets.widgets import TailorAssessment
    from orb_widgets.widgets.context import WorkbookContext

    store = App.for_workspace(workspace, create=True).store
    store.add_county("Cedar County", "cpm-orb")
    old = tailor("cpm-orb", county="Cedar County", elements="A,F")
    store.save_instrument(old)
    page = TailorAssessment(
        WorkbookContext(store, "Cedar County", remember=False), scheduler=lambda delay, callback: None
    )
    assert not page.routed.value and page.build().id == old.id


# ---------------------------------------------------------------- the packs' role tags
#: Wording that belongs to people inside the agency or school: their supervisor, supervision,
#: internal meetings (every language a pack's statements are written in).
INSIDE_WORDS = re.compile(
    r"\bsupervis|\bmy (boss|manager)\b|\bmeetings?\b|\breuni[oó]n(es)?\b|\bhandled(are|ning)|\bmöte|\bmin chef\b",
    re.IGNORECASE,
)


def partner_wording_problems(raw: dict) -> list[str]:
    """Statements with inside-the-agency wording that a partner-level group (partners, community
    members, parents) is asked, as ``"<item> (<language>): <text>"``."""
    outside = {r["id"] for r in raw["role_groups"] if r.get("level") == "partner"}
    return [
        f"{item['id']} ({lang}): {text}"
        for item in raw["items"]
        if outside & set(item["roles"])
        for lang, text in item["text"].items()
        if INSIDE_WORDS.search(text)
    ]


def _raw_pack(pack):
    import yaml

    from orb_widgets.content import pack_dirs

    return yaml.safe_load((pack_dirs()[pack] / "pack.yaml").read_text("utf-8"))


@pytest.mark.parametrize("pack", ["cpm-orb", "cps"])
def test_partners_and_community_members_are_never_asked_about_supervisors_or_internal_meetings(pack):
    raw = _raw_pack(pack)
    assert any(r.get("level") == "partner" for r in raw["role_groups"])
    assert partner_wording_problems(raw) == []
    # Routed from the pack's tags, a partner's survey page has none of that wording either.
    inst = tailor(pack, county="X", routed=True)
    partners = [r.id for r in inst.roles if r.level == "partner"]
    for role in partners:
        assert not [i.id for i in inst.items_for(role) if INSIDE_WORDS.search(i.text)]


def test_the_tag_check_finds_a_partner_asked_about_their_supervisor():
    raw = _raw_pack("cpm-orb")
    f2 = next(i for i in raw["items"] if i["id"] == "F2")
    f2["roles"] = [*f2["roles"], "partners"]
    assert [p.split(":")[0] for p in partner_wording_problems(raw)] == ["F2 (en)", "F2 (es)"]


# ---------------------------------------------------------------- own statements (local)
def test_own_statements_are_local_scored_with_their_element_and_routed_when_asked():
    inst = tailor(
        "cpm-orb", county="X", elements="A,E",
        own=[{"element": "e", "text": " We look at our  numbers together. ", "roles": "supervisors"},
             {"element": "A", "text": "Our office has time for this."},
             {"element": "E", "text": "Our data team answers questions quickly."}],
    )  # fmt: skip
    own = [i for i in inst.items if i.local]
    assert [(i.id, i.element, i.text) for i in own] == [
        ("AL1", "A", "Our office has time for this."),
        ("EL1", "E", "We look at our numbers together."),
        ("EL2", "E", "Our data team answers questions quickly."),
    ]
    ids = [i.id for i in inst.items]
    assert ids.index("AL1") == ids.index("A6") + 1 and ids[-2:] == ["EL1", "EL2"]  # after their element's bank ones
    assert inst.routed and inst.item("EL1").roles == ["supervisors"] and inst.item("EL2").roles is None
    assert inst.to_json()["items"][ids.index("AL1")]["local"] is True
    assert from_json(json.loads(inst.model_dump_json())).id == inst.id
    frame = inst.items_frame().set_index("item")
    assert frame.loc["AL1", "element"] == "A"  # scored with its element
    from orb_widgets.survey.form import form_languages

    assert form_languages(inst) == ["en"]  # an own statement exists in the county's language only
    assert [i.id for i in tailor("cpm-orb", county="X", elements="A,E").items if i.local] == []


@pytest.mark.parametrize(
    ("own", "words"),
    [
        ([{"element": "Q", "text": "x"}], "own statement 1: element 'Q' is not asked"),
        ([{"element": "A", "text": "  "}], "own statement 1: write the statement"),
        ([{"element": "A", "text": "x" * 501}], "501 characters; shorten it to 500"),
        ([{"element": "A", "text": "Same."}, {"element": "A", "text": "same."}], "added twice"),
        ([{"element": "A", "text": "Ok.", "roles": "mayors"}], "route for AL1: role group 'mayors'"),
    ],
)
def test_bad_own_statements_say_what_to_fix(own, words):
    with pytest.raises(InstrumentError, match=re.escape(words)):
        tailor("cpm-orb", county="X", elements="A", own=own)


def test_results_score_own_statements_in_their_element_and_mark_them_local(tmp_path, monkeypatch, capsys):
    from orb_widgets.app import App
    from orb_widgets.results import county_results
    from orb_widgets.store import NewResponse
    from orb_widgets.views import statements_view

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    inst = tailor(
        "cpm-orb", county="Cedar County", items="F1,F2", min_group=3, routed=True,
        own=[{"element": "F", "text": "Our director visits each unit.", "roles": "partners,social_workers"}],
    )  # fmt: skip
    store.save_instrument(inst)
    # Three social workers are asked F1, F2 and FL1; three partners only FL1 (F1, F2 are not theirs).
    people = [NewResponse(role="social_workers", answers={"F1": 4, "F2": 2, "FL1": 3}) for _ in range(3)]
    people += [NewResponse(role="partners", answers={"FL1": 5}) for _ in range(3)]
    store.add_responses("Cedar County", "W1", people, instrument=inst, source="test")
    report = county_results(store, "Cedar County")
    f = next(e for e in report.elements if e.element == "F")
    # Workers: (4 + 2 + 3) / 3 = 3; partners: 5 (1 of the 1 statement shown to them). Mean of six: 4.
    assert (f.n, f.mean) == (6, 4.0)
    rows = {x.item: x for x in report.items}
    assert rows["FL1"].local and not rows["F1"].local
    assert (rows["FL1"].n, rows["FL1"].mean) == (6, 4.0)
    assert rows["FL1"].text == "Our director visits each unit."
    shown = [line.label for t in statements_view(report).tables for line in t.lines]
    assert "FL1. Our director visits each unit. (own statement)" in shown
    assert "F1. Leaders here use the practice behaviors in how they treat staff." in shown


def test_cli_adds_own_statements_with_the_groups_asked(workspace, capsys):
    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    code, out, err = _orb(
        capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
        "--framework", "cpm-orb", "--elements", "A,E",
        "--add-statement", "E: We look at our numbers together every month.", "--for", "supervisors,social_workers",
        "--add-statement", "A: Our office has time for this.", "--json",
    )  # fmt: skip
    assert code == 0, err
    items = {i["id"]: i for i in json.loads(out)["items"]}
    assert items["EL1"]["local"] and items["EL1"]["roles"] == ["supervisors", "social_workers"]
    assert items["AL1"]["text"] == "Our office has time for this." and len(items["AL1"]["roles"]) == 5
    assert not items["A1"]["local"]
    for args, words in [
        (["--for", "partners"], "--for GROUPS comes after the --add-statement it is for"),
        (["--add-statement", "no colon"], "--add-statement 'no colon': start with the element and a colon"),
        (["--add-statement", "A: x", "--for", "mayors"], "route for AL1: role group 'mayors' is not asked"),
    ]:
        code, _, err = _orb(
            capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
            "--framework", "cpm-orb", *args,
        )  # fmt: skip
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_tailoring_adds_own_statements_per_part(workspace):
    from orb_widgets.app import App
    from orb_widgets.widgets import TailorAssessment
    from orb_widgets.widgets.context import WorkbookContext

    store = App.for_workspace(workspace, create=True).store
    store.add_county("Cedar County", "cpm-orb")

    def open_page(user):
        ctx = WorkbookContext(store, "Cedar County", user=user, remember=False)
        return TailorAssessment(ctx, scheduler=lambda delay, callback: None)

    page = open_page("Ana")
    page.own_boxes["E"].value = "We look at our numbers together.\n\n  Our data team   answers quickly.  "
    page.own_boxes["B"].value = "Not asked: part B is unticked."
    page.element_checks["B"].value = False
    inst = page.save()
    assert inst is not None, page.status.text
    assert [(i.id, i.text) for i in inst.items if i.local] == [
        ("EL1", "We look at our numbers together."),
        ("EL2", "Our data team answers quickly."),
    ]
    assert page.export("text") is not None and "[EL2] Our data team answers quickly." in page.export("text").read_text(
        "utf-8"
    )
    again = open_page("Ben")
    assert again.own_boxes["E"].value == "We look at our numbers together.\nOur data team answers quickly."
    assert again.build().id == inst.id and "unsaved" not in again.status.text.lower()


def test_the_printable_survey_says_which_statements_are_for_which_groups():
    from orb_widgets.instrument import export_printable

    page = export_printable(tailor("cpm-orb", county="X", elements="F", routed=True))
    row = next(r for r in page.split("<tr>") if "My supervisor helps me" in r)
    assert "Only for: Supervisor; Social worker or other line staff; Support or clerical staff" in row
    assert "Only for" not in next(r for r in page.split("<tr>") if "Leaders explain clearly" in r)  # F3: everyone
    assert "Only for" not in export_printable(tailor("cpm-orb", county="X", elements="F"))


def test_an_import_keeps_answers_a_group_was_not_asked_and_says_they_are_not_scored(workspace, capsys, tmp_path):
    from orb_widgets.app import App
    from orb_widgets.results import county_results

    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    assert _orb(capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
                "--framework", "cpm-orb", "--items", "F1,F2,F3", "--routed", "--min-group", "3")[0] == 0  # fmt: skip
    # A survey tool without display logic: partners answered F2 ("My supervisor helps me") too.
    rows = ["Role,[F1] a,[F2] b,[F3] c"]
    rows += ["Supervisor,4,4,4"] * 3 + ["Community member or partner agency,,1,2"] * 3
    export = tmp_path / "export.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = _orb(capsys, "import", str(export), "--workspace", workspace, "--county", "Bayside County",
                          "--wave", "W1")  # fmt: skip
    assert code == 0, err
    assert "Imported 6 responses" in out and "3 answers to statements not asked of the person's group" in out
    report = county_results(App.for_workspace(workspace).store, "Bayside County")
    f2 = next(x for x in report.items if x.item == "F2")
    assert (f2.n, f2.mean) == (3, 4.0)  # the supervisors' answers only


# ---------------------------------------------------------------- own role groups
def test_own_groups_are_asked_what_their_level_is_asked_and_reported_like_any_group(tmp_path, monkeypatch):
    from orb_widgets.app import App
    from orb_widgets.results import county_results
    from orb_widgets.store import NewResponse
    from orb_widgets.survey.form import build_response, form_languages, form_view

    inst = tailor(
        "cpm-orb", county="Cedar County", items="F1,F2,F6", routed=True, min_group=3,
        own_groups=[{"label": "Public  health nurses", "level": "staff"}, {"label": "Foster parents", "level": "partner"}],
    )  # fmt: skip
    assert [(r.id, r.label, r.level) for r in inst.roles[-2:]] == [
        ("public_health_nurses", "Public health nurses", "staff"),
        ("foster_parents", "Foster parents", "partner"),
    ]
    # Like the pack's staff (F1, F2) and partners (F6): foster parents are never asked about "my supervisor".
    assert [i.id for i in inst.items_for("public_health_nurses")] == ["F1", "F2"]
    assert [i.id for i in inst.items_for("foster_parents")] == ["F6"]
    assert form_languages(inst) == ["en"]  # the group's name exists in the county's words only
    assert "Foster parents" in [c.label for c in form_view(inst).roles]
    assert build_response(inst, "Public health nurses", {"F2": 4}).role == "public_health_nurses"
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    store.save_instrument(inst)
    people = [NewResponse(role="public_health_nurses", answers={"F1": 2, "F2": 4}) for _ in range(3)]
    people += [NewResponse(role="leadership", answers={"F1": 5, "F6": 5}) for _ in range(3)]
    store.add_responses("Cedar County", "W1", people, instrument=inst, source="test")
    report = county_results(store, "Cedar County")
    nurses = next(r for r in report.by_role if r.role == "public_health_nurses")
    assert (nurses.label, nurses.n, nurses.mean) == ("Public health nurses", 3, 3.0)
    gap = next(g for g in report.gap if g.element == "F")
    assert (gap.staff_n, gap.gap) == (3, 2.0)  # the nurses count as staff: 5 − 3


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        ([{"label": "Nurses", "level": "boss"}], "level 'boss' is not one of leadership, supervisor, staff, partner"),
        ([{"label": "supervisor", "level": "staff"}], "already has a group by that name"),
        ([{"label": "Nurses", "level": "staff"}, {"label": "nurses", "level": "staff"}], "already has a group"),
        ([{"label": " ", "level": "staff"}], "give the group a name"),
    ],
)
def test_bad_own_groups_say_what_to_fix(groups, words):
    with pytest.raises(InstrumentError, match=re.escape(words)):
        tailor("cpm-orb", county="X", own_groups=groups)


def test_cli_adds_own_groups(workspace, capsys):
    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    code, out, err = _orb(
        capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
        "--framework", "cpm-orb", "--routed", "--add-group", "Public health nurses=staff", "--json",
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(out)
    assert {"id": "public_health_nurses", "label": "Public health nurses"} in body["role_question"]["options"]
    assert "public_health_nurses" in next(i for i in body["items"] if i["id"] == "F2")["roles"]
    code, _, err = _orb(
        capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
        "--framework", "cpm-orb", "--add-group", "nurses",
    )  # fmt: skip
    assert code == 2 and "--add-group 'nurses': write it as NAME=LEVEL" in err and len(err.strip().splitlines()) == 1


def test_tailoring_adds_other_groups_and_opens_a_survey_made_with_them(workspace):
    from orb_widgets.app import App
    from orb_widgets.widgets import TailorAssessment
    from orb_widgets.widgets.context import WorkbookContext

    store = App.for_workspace(workspace, create=True).store
    store.add_county("Cedar County", "cpm-orb")

    def open_page(user):
        ctx = WorkbookContext(store, "Cedar County", user=user, remember=False)
        return TailorAssessment(ctx, scheduler=lambda delay, callback: None)

    page = open_page("Ana")
    page.groups.value = "Public health nurses = staff\nFoster parents=partner"
    inst = page.save()
    assert inst is not None, page.status.text
    assert [r.id for r in inst.roles][-2:] == ["public_health_nurses", "foster_parents"]
    assert "F2" in [i.id for i in inst.items_for("public_health_nurses")]
    assert "F2" not in [i.id for i in inst.items_for("foster_parents")]
    # The same survey from the command line's words opens with nothing unsaved, and builds the same.
    cli_made = tailor(
        "cpm-orb", county="Cedar County", routed=True,
        own_groups=[{"label": "Public health nurses", "level": "staff"}, {"label": "Foster parents", "level": "partner"}],
    )  # fmt: skip
    assert cli_made.id == inst.id
    again = open_page("Ben")
    assert again.groups.value == "Public health nurses = staff\nFoster parents = partner"
    assert again.build().id == inst.id and again.export("text") is not None
    again.groups.value = "Nurses without a level"
    assert again.save() is None and "write its name, '=' and its level" in again.status.text


def test_the_step_5_preview_of_a_routed_survey_goes_on_to_a_groups_page_that_cannot_send(routed_server):
    from survey_server import Browser

    b = Browser()
    first = b.get(routed_server.link(query="?preview=1"))
    assert b.hidden()["preview"] == "1" and "Preview: this is the page people see" in first
    assert re.search(r'<button type="submit">Next: my statements', first)  # going on is allowed
    page = b.get(routed_server.link(query="?lang=en&preview=1&role=partners"))
    assert _fields(page) and re.search(r'<button type="submit" disabled>', page)
    assert "?lang=en&amp;preview=1" in page  # "Choose again" stays in the preview


def test_each_wave_is_scored_with_the_routing_of_the_survey_version_it_answered(tmp_path, monkeypatch):
    from orb_widgets.app import App
    from orb_widgets.results import county_results
    from orb_widgets.store import NewResponse

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    unrouted = tailor("cpm-orb", county="Cedar County", items="F1,F2,F3", min_group=3)
    store.save_instrument(unrouted)
    # Spring, unrouted: everyone was asked F1-F3; three partners answered all three.
    spring = [NewResponse(role="social_workers", answers={"F1": 4, "F2": 4, "F3": 4}) for _ in range(3)]
    spring += [NewResponse(role="partners", answers={"F1": 1, "F2": 1, "F3": 2}) for _ in range(3)]
    store.add_responses("Cedar County", "Spring", spring, instrument=unrouted, source="test")
    before = county_results(store, "Cedar County", "Spring").model_dump()

    routed_version = tailor("cpm-orb", county="Cedar County", items="F1,F2,F3", min_group=3, routed=True)
    assert routed_version.id != unrouted.id
    partner_asked = [i.id for i in routed_version.items if i.roles is None or "partners" in i.roles]
    assert partner_asked != ["F1", "F2", "F3"]  # the new version routes some F statement away from partners
    store.save_instrument(routed_version)
    after = county_results(store, "Cedar County", "Spring").model_dump()
    # Hand-checked: workers 4, partners (1 + 1 + 2) / 3 = 4/3; the mean of six is (12 + 4) / 6 = 8/3.
    f = next(e for e in after["elements"] if e["element"] == "F")
    assert f["n"] == 6 and np.isclose(f["mean"], 8 / 3)
    assert [after[k] for k in ("elements", "items", "by_role", "gap")] == [
        before[k] for k in ("elements", "items", "by_role", "gap")
    ]

    # Fall mixes versions: three partners answered on a paper copy of the old survey, three on the
    # routed link. Each response is routed as the version it answered: the old copies count F1-F3,
    # the new ones only the statements partners are asked.
    fall = [NewResponse(role="partners", answers={"F1": 1, "F2": 1, "F3": 1}) for _ in range(3)]
    store.add_responses("Cedar County", "Fall", fall, instrument=unrouted, source="paper")
    new = [NewResponse(role="partners", answers={i: 5 for i in partner_asked}) for _ in range(3)]
    store.add_responses("Cedar County", "Fall", new, instrument=routed_version, source="test")
    fall_f = next(e for e in county_results(store, "Cedar County", "Fall").elements if e.element == "F")
    assert (fall_f.n, fall_f.mean) == (6, 3.0)
