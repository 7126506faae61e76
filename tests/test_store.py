import json
import multiprocessing as mp

import pytest
import sqlalchemy as sa

from orb_widgets import workbook
from orb_widgets.app import App
from orb_widgets.exceptions import InvalidValue, NoInstrument, StaleEdit, UnknownCounty, WorkspaceError
from orb_widgets.instrument import tailor
from orb_widgets.store import NewResponse, Store


def _answers(inst, value=3):
    return {i.id: value for i in inst.items}


def test_unknown_county_lists_known_ones(any_store):
    any_store.add_county("Bayside County")
    with pytest.raises(UnknownCounty, match="It holds: Bayside County"):
        any_store.county("Baysid County")
    assert any_store.county("bayside county").name == "Bayside County"


def test_county_without_instrument_says_how_to_make_one(any_store):
    any_store.add_county("Bayside County")
    with pytest.raises(NoInstrument, match="orb instrument create"):
        any_store.current_instrument("Bayside County")


def test_instrument_is_replaced_until_someone_answers_then_versioned(any_store):
    first = tailor("cpm-orb", county="Bayside County", elements="A")
    assert any_store.save_instrument(first) == (first.id, 1)
    assert any_store.save_instrument(first) == (first.id, 1)  # same content, same version
    second = tailor("cpm-orb", county="Bayside County", elements="A,B")
    assert any_store.save_instrument(second) == (second.id, 1)  # nobody answered: replaced
    any_store.add_response("Bayside County", "w1", NewResponse(role="supervisors", answers=_answers(second)))
    third = tailor("cpm-orb", county="Bayside County", elements="A,B,C")
    assert any_store.save_instrument(third) == (third.id, 2)
    assert any_store.current_instrument("Bayside County").id == third.id
    # the first wave's answers still point at the questions they answered
    assert any_store.instrument(second.id).elements == ["A", "B"]
    assert set(any_store.answers_frame("Bayside County")["instrument_id"]) == {second.id}


def test_answers_are_checked_on_the_server_and_a_bad_batch_stores_nothing(any_store):
    inst = tailor("cpm-orb", county="X", elements="A")
    any_store.save_instrument(inst)
    good = NewResponse(role="supervisors", answers=_answers(inst))
    cases = [
        (NewResponse(role="supervisors", answers={"A1": 6}), "not on the 5-point scale"),
        (NewResponse(role="supervisors", answers={"A1": 0}), "not on the 5-point scale"),
        (NewResponse(role="supervisors", answers={"A1": "5"}), "not on the 5-point scale"),
        (NewResponse(role="supervisors", answers={"A1": True}), "not on the 5-point scale"),
        (NewResponse(role="kings", answers={"A1": 3}), "not one of this survey's role groups"),
        (NewResponse(role="supervisors", answers={"Z1": 3}), "question 'Z1' is not in this survey"),
        (NewResponse(role="supervisors", answers={"A1": 3}, comments={"F": "hi"}), "comment section 'F'"),
    ]
    for bad, words in cases:
        with pytest.raises(InvalidValue, match=words):
            any_store.add_responses("X", "w1", [good, good, bad])
    assert any_store.response_count("X") == 0
    assert any_store.waves("X") == []


def test_role_can_be_given_by_label(any_store):
    inst = tailor("cpm-orb", county="X", elements="A")
    any_store.save_instrument(inst)
    label = inst.roles[0].label
    any_store.add_response("X", "w1", NewResponse(role=label.upper(), answers={"A1": 2, "A2": "dk"}))
    df = any_store.answers_frame("X")
    assert set(df["role"]) == {inst.roles[0].id}
    dk = df.set_index("item").loc["A2"]
    assert bool(dk["dont_know"]) and dk["value"] != dk["value"]  # NaN, never zero


def test_another_countys_survey_is_refused(any_store):
    a = tailor("cpm-orb", county="A County", elements="A")
    b = tailor("cpm-orb", county="B County", elements="A")
    any_store.save_instrument(a)
    any_store.save_instrument(b)
    with pytest.raises(InvalidValue, match="belongs to 'B County'"):
        any_store.add_responses("A County", "w1", [NewResponse(role="supervisors", answers={"A1": 3})], instrument=b)


def test_same_source_key_is_not_stored_twice(any_store):
    inst = tailor("cpm-orb", county="X", elements="A")
    any_store.save_instrument(inst)
    batch = [NewResponse(role="supervisors", answers={"A1": k}, source_key=f"k{k}") for k in (1, 2, 3)]
    assert any_store.add_responses("X", "w1", batch) == (3, 0)
    assert any_store.add_responses("X", "w1", batch) == (0, 3)
    assert any_store.response_count("X") == 3


def test_waves_keep_the_order_they_were_first_used(any_store):
    inst = tailor("cpm-orb", county="X", elements="A")
    any_store.save_instrument(inst)
    for wave in ["2026-spring", "2025-fall", "2026-spring"]:
        any_store.add_response("X", wave, NewResponse(role="supervisors", answers={"A1": 3}))
    assert any_store.waves("X") == ["2026-spring", "2025-fall"]


def _submit(url, county, n):
    s = Store(url)
    inst = s.current_instrument(county)
    for _ in range(n):
        s.add_response(county, "w1", NewResponse(role="social_workers", answers={i.id: 4 for i in inst.items}))


def test_many_people_submitting_at_once_all_land(workspace):
    s = App.for_workspace(workspace, create=True).store
    s.save_instrument(tailor("cpm-orb", county="X", elements="A,B"))
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_submit, args=(s.url, "X", 8)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 4
    assert s.response_count("X") == 32


def test_a_newer_database_is_not_written(workspace):
    s = App.for_workspace(workspace, create=True).store
    with s.engine.begin() as conn:
        conn.execute(sa.text("UPDATE meta SET value='99' WHERE key='schema_version'"))
    from orb_widgets.store import _ENGINES

    _ENGINES.clear()
    with pytest.raises(WorkspaceError, match="newer ORB Workbook"):
        App.for_workspace(workspace, create=True).store


def test_opening_a_folder_that_is_not_a_workspace(workspace):
    with pytest.raises(WorkspaceError, match="orb init"):
        App.for_workspace(workspace).store
    assert not workspace.exists()


def test_saved_instrument_is_also_a_file_in_the_workspace(workspace):
    s = App.for_workspace(workspace, create=True).store
    inst = tailor("cpm-orb", county="Bayside County", elements="A")
    s.save_instrument(inst)
    files = list((workspace / "instruments" / "bayside-county").glob("*.json"))
    assert [f.name for f in files] == [f"v1-{inst.id}.json"]
    assert json.loads(files[0].read_text())["county"] == "Bayside County"


def test_workbook_entries_keep_every_version_and_who_saved_it(any_store):
    any_store.add_county("X")
    workbook.save(any_store, "X", "matrix_row", "C", {"target": "C", "support_needed": "Team"}, user="Ana")
    doc = workbook.save(any_store, "X", "matrix_row", "C", {"target": "C", "support_needed": "Team B"}, user="Ben")
    assert (doc.version, doc.updated_by) == (2, "Ben")
    history = any_store.doc_history("X", "matrix_row", "C")
    assert [(h.version, h.updated_by, h.body["support_needed"]) for h in history] == [
        (1, "Ana", "Team"),
        (2, "Ben", "Team B"),
    ]
    assert workbook.load(any_store, "X", "matrix_row", "C").support_needed == "Team B"


def test_a_teammates_save_in_between_is_not_overwritten(any_store):
    any_store.add_county("X")
    workbook.save(any_store, "X", "testing_profile", "main", {"sections": {"a": "first"}}, user="Ana")
    workbook.save(
        any_store, "X", "testing_profile", "main", {"sections": {"a": "Ben's"}}, user="Ben", expected_version=1
    )
    with pytest.raises(StaleEdit, match="changed by someone else"):
        workbook.save(
            any_store, "X", "testing_profile", "main", {"sections": {"a": "Ana's"}}, user="Ana", expected_version=1
        )
    assert workbook.load(any_store, "X", "testing_profile", "main").sections["a"] == "Ben's"


@pytest.mark.parametrize(
    "kind, body, words",
    [
        ("matrix_row", {"target": "C", "status": "hacked"}, "status must be one of"),
        ("matrix_row", {"target": "C", "next_steps": ["a", "b", "c", "d"]}, "next_steps"),
        ("matrix_row", {"target": "C", "steps": [{"text": "a", "status": "forgotten"}]}, "status must be one of"),
        ("matrix_row", {"target": "C", "steps": [{"text": "a", "by_when": "2026-02-30"}]}, "steps.0.by_when"),
        (
            "key_message",
            {"title": "m", "tests": [{"version": 1, "audience": "x", "ratings": {"clear": 9}}]},
            "rating for 'clear' must be 1 to 5",
        ),
        ("plan", {"competence": {"user": {"now": 1.5}}}, "competence.user.now"),
        ("secrets", {}, "unknown workbook entry kind"),
    ],
)
def test_workbook_values_are_checked_before_saving(any_store, kind, body, words):
    any_store.add_county("X")
    with pytest.raises(InvalidValue, match=words):
        workbook.save(any_store, "X", kind, "k", body, user="Ana")
    assert any_store.list_docs("X", kind) == []


def test_deleting_an_entry_keeps_its_history(any_store):
    any_store.add_county("X")
    workbook.save(any_store, "X", "matrix_row", "C", {"target": "C", "support_needed": "Team"}, user="Ana")
    any_store.delete_doc("X", "matrix_row", "C", user="Ana")
    assert workbook.load(any_store, "X", "matrix_row", "C") is None
    assert workbook.load_all(any_store, "X", "matrix_row") == {}
    assert any_store.doc_history("X", "matrix_row", "C")[0].body["support_needed"] == "Team"


def test_survey_links_open_close_and_list(any_store):
    inst = tailor("cpm-orb", county="Bayside County", elements="A")
    any_store.save_instrument(inst)
    link = any_store.open_link("bayside county", "2026-spring", user="Coordinator")
    other = any_store.open_link("Bayside County", "2026-spring")
    assert link.token != other.token and len(link.token) >= 24  # unguessable
    assert (link.county, link.wave, link.is_open) == ("Bayside County", "2026-spring", True)
    assert any_store.close_link(link.token).is_open is False
    assert {(x.token, x.is_open) for x in any_store.links("Bayside County")} == {
        (link.token, False),
        (other.token, True),
    }
    assert any_store.link("not-a-token") is None
    with pytest.raises(InvalidValue, match="orb survey list"):
        any_store.close_link("not-a-token")


def test_a_county_without_a_survey_gets_no_link(any_store):
    any_store.add_county("Bayside County")
    with pytest.raises(NoInstrument):
        any_store.open_link("Bayside County", "2026-spring")


def test_an_internal_owner_keeps_entries_but_is_no_county(any_store):
    any_store.add_county("Bayside County")
    any_store.add_county("Coach series", internal=True)
    any_store.put_doc("Coach series", "webinar_room", "e1-r1", {"takeaway": "Start small"}, user="Coach")
    assert [c.name for c in any_store.counties()] == ["Bayside County"]
    assert any_store.get_doc("Coach series", "webinar_room", "e1-r1").body == {"takeaway": "Start small"}


def test_coded_answers_hold_the_same_labels_and_score_the_same(demo_store):
    """Scoring asks the store for categorical label columns (faster for a big county): the labels,
    the row order and every score must be exactly those of the plain frame."""
    import pandas as pd

    from orb_widgets import scoring

    county = demo_store.counties()[0].name
    plain = demo_store.answers_frame(county)
    coded = demo_store.answers_frame(county, coded=True)
    assert isinstance(coded["respondent"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(coded.astype(plain.dtypes.to_dict()), plain)
    inst = demo_store.current_instrument(county)
    items = inst.items_frame()
    args = (items, inst.scale.points, inst.min_group, {}, [], demo_store.waves(county))
    assert json.dumps(scoring.score(coded, *args)) == json.dumps(scoring.score(plain, *args))


def test_a_link_token_never_starts_with_a_dash(monkeypatch):
    """A token pasted after 'orb survey close' must not read as an option (one link in 64 did)."""
    import secrets

    from orb_widgets import store as store_module

    drawn = iter(["-starts-with-a-dash", "_fine-token"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(drawn))
    assert store_module.link_token() == "_fine-token"
