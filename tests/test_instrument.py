import json

import pytest

from orb_widgets.content import load_framework
from orb_widgets.exceptions import InstrumentError
from orb_widgets.instrument import export_printable, export_text, from_json, tailor


def test_default_instrument_asks_every_element_on_five_points():
    fw = load_framework("cpm-orb")
    inst = tailor("cpm-orb", county="Alder Creek County")
    assert inst.elements == [e.id for e in fw.elements]
    assert inst.scale.points == 5 and len(inst.scale.labels) == 5
    assert inst.min_group == 5
    assert {i.element for i in inst.items} == set(inst.elements)


def test_chosen_elements_items_and_four_point_scale():
    inst = tailor("cpm-orb", county="X", elements="A,C", points=4, min_group=3)
    assert inst.elements == ["A", "C"]
    assert {i.element for i in inst.items} == {"A", "C"}
    assert inst.scale.points == 4 and len(inst.scale.labels) == 4
    picked = tailor("cpm-orb", county="X", items="A1,A2,C3")
    assert [i.id for i in picked.items] == ["A1", "A2", "C3"]
    assert picked.elements == ["A", "C"]


def test_reworded_item_keeps_its_id_and_links_to_the_bank():
    bank = load_framework("cpm-orb").item("B2")
    inst = tailor("cpm-orb", county="X", elements="B", rewording={"B2": "Our unit can try new ideas."})
    item = inst.item("B2")
    assert item.text == "Our unit can try new ideas." and item.based_on == "B2"
    assert item.reverse == bank.reverse
    assert inst.item("B1").based_on is None


def test_id_is_a_content_hash():
    a = tailor("cpm-orb", county="X", elements="A")
    b = tailor("cpm-orb", county="X", elements="A")
    c = tailor("cpm-orb", county="X", elements="A", rewording={"A1": "Different words."})
    assert a.id == b.id != c.id
    assert len(a.id) == 12


def test_role_groups_narrow_the_items():
    fw = load_framework("cpm-orb")
    partner_items = {i.id for i in fw.items if "partners" in i.roles}
    inst = tailor("cpm-orb", county="X", roles="partners")
    assert {i.id for i in inst.items} == partner_items
    assert [r.id for r in inst.roles] == ["partners"]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"elements": "A,Z"}, "element 'Z'"),
        ({"items": "A1,Q9"}, "item 'Q9'"),
        ({"roles": "aliens"}, "role group 'aliens'"),
        ({"points": 7}, "4 or 5"),
        ({"min_group": 0}, "at least 3"),
        ({"min_group": 2}, "at least 3"),
        ({"elements": "A", "items": "C1"}, "C1"),
        ({"rewording": {"F1": "x"}, "elements": "A"}, "cannot reword F1"),
    ],
)
def test_bad_choices_say_what_is_wrong(kwargs, words):
    with pytest.raises(InstrumentError, match=words.replace("(", r"\(")):
        tailor("cpm-orb", county="X", **kwargs)


def test_json_contract():
    body = tailor("cpm-orb", county="X", points=4).to_json()
    assert {"id", "items", "scale", "role_question", "min_group"} <= set(body)
    assert set(body["items"][0]) >= {"id", "element", "text", "reverse"}
    assert set(body["scale"]) == {"points", "labels", "dont_know_label"}
    assert len(body["scale"]["labels"]) == 4
    assert set(body["role_question"]) == {"text", "options"}
    json.dumps(body)


def test_export_text_keeps_tags_and_choices():
    inst = tailor("cpm-orb", county="X", elements="A")
    text = export_text(inst)
    for item in inst.items:
        assert f"[{item.id}] {item.text}" in text
    assert " | ".join(inst.scale.labels) in text
    assert inst.scale.dont_know_label in text


def test_printable_page_escapes_reworded_text():
    inst = tailor("cpm-orb", county="<b>X</b>", elements="A", rewording={"A1": "<script>alert(1)</script>"})
    page = export_printable(inst)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;X&lt;/b&gt;" in page


def test_stored_format_too_new_or_too_old():
    body = tailor("cpm-orb", county="X").model_dump(mode="json")
    assert from_json(body).id == tailor("cpm-orb", county="X").id
    with pytest.raises(InstrumentError, match="newer"):
        from_json({**body, "format_version": 99})
    with pytest.raises(InstrumentError, match="too old"):
        from_json({**body, "format_version": 0})
