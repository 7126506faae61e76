"""Content packs: the frameworks a county tailors its assessment from.

A pack is a folder under ``data/`` holding ``pack.yaml``. Every piece of text in
it is language-tagged (``{en: "...", sv: "..."}``) so a pack can be translated
while ids stay the same; :func:`load_framework` resolves one language and
returns plain strings.

>>> fw = load_framework("cpm-orb")
>>> [e.id for e in fw.elements]
['A', 'B', 'C', 'D', 'E', 'F']
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .exceptions import PackError
from .resources import shipped

DATA_DIR = shipped("data")
PACK_FILE = "pack.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Element(_Model):
    id: str
    name: str
    description: str = ""
    reflection_prompts: list[str] = Field(default_factory=list)


class Component(_Model):
    id: str
    name: str
    elements: list[str]
    description: str = ""


class RoleGroup(_Model):
    id: str
    label: str
    level: Literal["leadership", "supervisor", "staff", "partner"] = "staff"


class Item(_Model):
    id: str
    element: str
    text: str
    reverse: bool = False
    roles: list[str]


class Scale(_Model):
    points: Literal[4, 5]
    labels: list[str]
    dont_know_label: str

    @model_validator(mode="after")
    def _labels_match_points(self):
        if len(self.labels) != self.points:
            raise ValueError(f"a {self.points}-point scale needs {self.points} labels, got {len(self.labels)}")
        return self


class Field_(_Model):
    """A labelled field of a form: planning-matrix column, plan field, profile section."""

    id: str
    label: str
    help: str = ""


class CompetenceLevel(_Model):
    id: str
    label: str
    description: str = ""
    target_share: float = Field(ge=0, le=1)


class Words(_Model):
    """What a framework calls the places that use it and the people who lead the work.

    Pages, packets, command-line messages and the survey say these words, never a
    hard-coded "county": a school framework's pages speak of schools or
    municipalities. ``unit_title`` and friends start with a capital letter for
    headings and the start of a sentence.

    >>> w = Words(unit="municipality", unit_plural="municipalities", team="CPS steering group",
    ...           coordinator="regional coordinator", buddy_unit="buddy municipality")
    >>> w.unit_title, w.team_title
    ('Municipality', 'CPS steering group')
    """

    unit: str = "county"
    unit_plural: str = "counties"
    team: str = "county team"
    coordinator: str = "state coordinator"
    buddy_unit: str = "buddy county"

    @property
    def unit_title(self) -> str:
        return _first_upper(self.unit)

    @property
    def units_title(self) -> str:
        return _first_upper(self.unit_plural)

    @property
    def team_title(self) -> str:
        return _first_upper(self.team)

    @property
    def coordinator_title(self) -> str:
        return _first_upper(self.coordinator)

    @property
    def buddy_unit_title(self) -> str:
        return _first_upper(self.buddy_unit)

    def units(self, n: int) -> str:
        """``1 county``, ``3 counties``."""
        return f"{n} {self.unit if n == 1 else self.unit_plural}"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


#: The words of a framework that names none (the child-welfare default).
DEFAULT_WORDS = Words()


class Framework(_Model):
    id: str
    title: str
    description: str = ""
    language: str
    languages: list[str]
    #: Languages only the respondent's text (title, role question and options, section
    #: names, items, scale labels) is written in, beyond ``languages``: see :func:`survey_text`.
    survey_languages: list[str] = Field(default_factory=list)
    practice: str
    #: What the framework calls its unit (county, municipality, school), team and coordinator.
    words: Words = Field(default_factory=Words)
    elements: list[Element]
    components: list[Component] = Field(default_factory=list)
    role_groups: list[RoleGroup]
    role_question: str
    items: list[Item]
    scales: dict[int, Scale]
    breakout_prompts: list[str] = Field(default_factory=list)
    breakout_note: str = ""
    key_message_questions: list[Field_] = Field(default_factory=list)
    planning_columns: list[Field_] = Field(default_factory=list)
    testing_profile: list[Field_] = Field(default_factory=list)
    buddy_questions: list[Field_] = Field(default_factory=list)
    plan_fields: list[Field_] = Field(default_factory=list)
    competence_levels: list[CompetenceLevel] = Field(default_factory=list)
    followup: list[Field_] = Field(default_factory=list)

    @field_validator("scales")
    @classmethod
    def _both_scales(cls, v):
        missing = {4, 5} - set(v)
        if missing:
            raise ValueError(f"needs both a 4- and a 5-point scale; missing {sorted(missing)}")
        for key, scale in v.items():
            if scale.points != key:
                raise ValueError(f"the scale under key {key} has {scale.points} points; the key and points must match")
        return v

    @model_validator(mode="after")
    def _references(self):
        element_ids = [e.id for e in self.elements]
        _unique("elements", element_ids)
        _unique("items", [i.id for i in self.items])
        _unique("role_groups", [r.id for r in self.role_groups])
        for name in (
            "components",
            "competence_levels",
            "key_message_questions",
            "planning_columns",
            "testing_profile",
            "buddy_questions",
            "plan_fields",
            "followup",
        ):
            _unique(name, [x.id for x in getattr(self, name)])
        roles = {r.id for r in self.role_groups}
        for n, item in enumerate(self.items):
            if item.element not in element_ids:
                raise ValueError(f"items.{n} ({item.id}): element '{item.element}' is not one of {element_ids}")
            bad = set(item.roles) - roles
            if bad:
                raise ValueError(f"items.{n} ({item.id}): unknown role group(s) {sorted(bad)}")
        for n, comp in enumerate(self.components):
            bad = set(comp.elements) - set(element_ids)
            if bad:
                raise ValueError(f"components.{n} ({comp.id}): unknown element(s) {sorted(bad)}")
        return self

    # Lookups used throughout the package.
    def element(self, element_id: str) -> Element:
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def items_for(self, element_id: str) -> list[Item]:
        return [i for i in self.items if i.element == element_id]


def _unique(what: str, ids: list[str]) -> None:
    seen = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what}: id '{i}' appears twice; ids must be unique")
        seen.add(i)


# Keys whose values are language-tagged text, and keys holding lists of such text.
_TEXT_KEYS = {
    "title",
    "description",
    "name",
    "label",
    "text",
    "help",
    "role_question",
    "breakout_note",
    "dont_know_label",
    "practice",
    "unit",
    "unit_plural",
    "team",
    "coordinator",
    "buddy_unit",
}  # the last five: a pack's ``words``
_TEXT_LIST_KEYS = {"labels", "reflection_prompts", "breakout_prompts"}


def _resolve(node, language: str, path: str, file: Path):
    """Replace every language-tagged text (``{en: "...", sv: "..."}``) by its ``language`` text."""
    if isinstance(node, list):
        return [_resolve(v, language, f"{path}.{n}", file) for n, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        sub = f"{path}.{key}" if path else str(key)
        if key in _TEXT_KEYS:
            out[key] = _pick(value, language, sub, file)
        elif key in _TEXT_LIST_KEYS and isinstance(value, list):
            out[key] = [_pick(v, language, f"{sub}.{n}", file) for n, v in enumerate(value)]
        else:
            out[key] = _resolve(value, language, sub, file)
    return out


def _pick(value, language: str, path: str, file: Path) -> str:
    if not isinstance(value, dict):
        raise PackError(file, path, 'text must be tagged with its language, e.g. {en: "..."}')
    if language not in value:
        raise PackError(file, path, f"no '{language}' text; add it or load another language")
    return value[language]


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML keeps the last of two equal keys; a pack author would lose data silently.

    Parsed by libyaml where PyYAML has it (about six times faster: every page, packet child and
    command reads both packs once), else by PyYAML's own parser; the same data and the same errors.
    """

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key '{key}' appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def pack_dirs() -> dict[str, Path]:
    """The content packs shipped in ``data/``, by id (the folder name)."""
    return {p.parent.name: p.parent for p in sorted(DATA_DIR.glob(f"*/{PACK_FILE}"))}


def list_frameworks() -> list[dict]:
    """Id, title and languages of every shipped pack, for ``orb frameworks``."""
    out = []
    for pack_id in pack_dirs():
        fw = load_framework(pack_id)
        out.append(
            {
                "id": fw.id,
                "title": fw.title,
                "languages": fw.languages,
                "elements": len(fw.elements),
                "items": len(fw.items),
            }
        )
    return out


def load_framework(pack: str | Path, language: str | None = None) -> Framework:
    """Load and validate a content pack, with its text in ``language``.

    ``pack`` is a shipped pack id (``"cpm-orb"``) or a folder holding
    ``pack.yaml``. ``language`` defaults to the pack's own default. Each
    call returns its own copy, so a caller changing it cannot change another's.
    """
    return _load_framework(str(pack), language).model_copy(deep=True)


@functools.lru_cache(maxsize=16)
def _load_framework(pack: str, language: str | None) -> Framework:
    file, raw = _raw_pack(pack)
    languages = raw.get("languages") or []
    language = language or raw.get("language") or (languages[0] if languages else None)
    if not language:
        raise PackError(file, "language", "say which language the pack is written in")
    if languages and language not in languages:
        raise PackError(file, "languages", f"this pack has no '{language}' text (it has {', '.join(languages)})")
    data = _resolve(raw, language, "", file)
    data["language"] = language
    data.setdefault("id", file.parent.name)
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if not key and (m := re.match(r"(\w+(?:\.\w+)*)(?: \([^)]*\))?: ", msg)):
            key = m[1]  # model-level checks name the key at the start of their message
        raise PackError(file, key, msg) from None


class SurveyText(_Model):
    """What a respondent reads, in one language: ids map to text (see :func:`survey_text`)."""

    language: str
    title: str
    role_question: str
    roles: dict[str, str]
    elements: dict[str, str]
    items: dict[str, str]
    scales: dict[int, Scale]


def survey_text(pack: str | Path, language: str) -> SurveyText:
    """The respondent's text of a pack in ``language``, which may be a survey-only language.

    A pack lists such languages under ``survey_languages``: there only the title,
    role question and options, section names, items and scale labels need a
    translation, not the coaching text a team reads.

    >>> survey_text("cpm-orb", "es").scales[5].labels[0]
    'Muy en desacuerdo'
    """
    return _survey_text(str(pack), language).model_copy(deep=True)


def survey_languages(pack: str | Path) -> list[str]:
    """Every language a pack's survey can be answered in: its full languages, then survey-only ones."""
    _, raw = _raw_pack(str(pack))
    out: list[str] = []
    for lang in [*(raw.get("languages") or []), *(raw.get("survey_languages") or [])]:
        if lang not in out:
            out.append(lang)
    return out


@functools.lru_cache(maxsize=16)
def _survey_text(pack: str, language: str) -> SurveyText:
    file, raw = _raw_pack(pack)
    known = [*(raw.get("languages") or []), *(raw.get("survey_languages") or [])]
    if language not in known:
        raise PackError(
            file, "survey_languages", f"this pack has no '{language}' survey text (it has {', '.join(known)})"
        )

    def pick(value, key):
        return _pick(value, language, key, file)

    scales = {}
    for points, scale in (raw.get("scales") or {}).items():
        scales[int(points)] = Scale(
            points=scale["points"],
            dont_know_label=pick(scale["dont_know_label"], f"scales.{points}.dont_know_label"),
            labels=[pick(v, f"scales.{points}.labels.{n}") for n, v in enumerate(scale["labels"])],
        )
    return SurveyText(
        language=language,
        title=pick(raw["title"], "title"),
        role_question=pick(raw["role_question"], "role_question"),
        roles={r["id"]: pick(r["label"], f"role_groups.{n}.label") for n, r in enumerate(raw["role_groups"])},
        elements={e["id"]: pick(e["name"], f"elements.{n}.name") for n, e in enumerate(raw["elements"])},
        items={i["id"]: pick(i["text"], f"items.{n}.text") for n, i in enumerate(raw["items"])},
        scales=scales,
    )


@functools.lru_cache(maxsize=16)
def _raw_pack(pack: str) -> tuple[Path, dict]:
    folder = pack_dirs().get(pack) or (Path(pack) if Path(pack).is_dir() else None)
    if folder is None:
        known = ", ".join(pack_dirs()) or "none"
        raise PackError(pack, "", f"no such content pack (shipped packs: {known})")
    file = folder / PACK_FILE
    try:
        text = file.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise PackError(file, "", "file not found; a pack folder needs a pack.yaml") from None
    except OSError as exc:
        raise PackError(file, "", f"cannot be read ({exc.strerror}); check that it is a file you may read") from None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise PackError(
            file,
            "",
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}); save it as UTF-8 in your editor",
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        line = text.count("\n", 0, exc.position) + 1
        raise PackError(
            file,
            "",
            f"not valid YAML at line {line}: character #x{exc.character:04x} is not allowed in a YAML file; delete it",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise PackError(file, "", f"not valid YAML at {where}: {problem}") from None
    if not isinstance(raw, dict):
        raise PackError(file, "", "must be a mapping of keys to values")
    return file, raw


def framework_words(framework: str | None) -> Words:
    """The words of the pack ``framework`` (an id), or the default words when there is none.

    >>> framework_words("cps").unit, framework_words(None).unit
    ('municipality', 'county')
    """
    if not framework:
        return DEFAULT_WORDS
    try:
        return _load_framework(str(framework), None).words
    except PackError:
        return DEFAULT_WORDS


def _clear_caches() -> None:
    for cached in (_load_framework, _survey_text, _raw_pack):
        cached.cache_clear()


load_framework.cache_clear = _clear_caches
