"""The documentation: it builds without a warning, and every command it shows still works.

The README and the pages in docs/ show commands in fenced blocks. Every ``orb`` line
in any block must name a subcommand, action and options the command's parser has (a
synopsis with ``NAME`` or ``[--wave W]`` included). Lines in ```` ```bash ```` blocks are
what a reader copies: each is run, page by page, in a fresh folder holding a demo
workspace, and must exit 0, unless it is listed in SKIP with the reason. The JSON pages
are compared with what the commands print.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md"] + sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)

#: Commands in ```bash blocks that are not run here, each with the reason.
SKIP = {
    "python3 dev.py demo": "sets up .venv and serves the workbook until Ctrl+C; CI runs python3 dev.py test itself",
    "python3 dev.py test": "runs this very suite",
    "python3 dev.py docs": "sets up .venv; test_the_site_builds_without_a_warning runs the same sphinx-build",
    "orb serve": "starts a server that runs until stopped (tests/test_serve.py and tests/browser serve it)",
    'orb serve --county "Bayside County"': "starts a server that runs until stopped (tests/test_serve.py)",
    ".venv/bin/jupyterhub -f hub-demo/jupyterhub_config.py": "starts JupyterHub until stopped (tests/test_hub.py)",
}

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
ORB = re.compile(r"^(?:\.venv/bin/)?orb(?=\s|$)")


def blocks(path: Path) -> list[tuple[str, int, str]]:
    """The fenced code blocks of a Markdown page: (language, first line number, text)."""
    found, lines, k = [], path.read_text(encoding="utf-8").splitlines(), 0
    while k < len(lines):
        m = FENCE.match(lines[k])
        if not m:
            k += 1
            continue
        fence, info, start = m.group("fence"), m.group("info").strip(), k + 1
        k += 1
        body = []
        while k < len(lines) and not lines[k].strip().startswith(fence):
            body.append(lines[k])
            k += 1
        found.append((info.split()[0] if info else "", start + 1, "\n".join(body)))
        k += 1
    return found


def command_lines(lang: str, text: str) -> list[str]:
    """The commands of a block, one each: continuations joined, comments dropped."""
    out: list[str] = []
    for line in text.replace("\\\n", " ").splitlines():
        code = re.sub(r"(^|\s)#.*$", "", line).rstrip()
        if not code.strip():
            continue
        if lang != "bash" and line[:1].isspace() and out:
            out[-1] += " " + code.strip()  # a synopsis wrapped onto the next line
        else:
            out.append(code.strip())
    return out


def documented_commands(runnable: bool | None = None):
    """(page, line, language, command) for every command in a fenced block of every page."""
    for page in PAGES:
        for lang, line, text in blocks(page):
            if lang in ("yaml", "json", "python", "{orb-model}", "{argparse}", "{eval-rst}", "{toctree}", "{figure}"):
                continue
            for cmd in command_lines(lang, text):
                if runnable is None or runnable == (lang == "bash"):
                    yield page, line, lang, cmd


def _where(page: Path, line: int) -> str:
    return f"{page.relative_to(ROOT)}:{line}"


# ------------------------------------------------------------------ the parser knows every command
@functools.cache
def _parser():
    from orb_widgets.cli import build_parser

    return build_parser()


def _subparsers():
    import argparse

    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def synopsis_problems(cmd: str) -> list[str]:
    """What in one documented ``orb`` line the parser does not have (empty when all is known)."""
    words = ORB.sub("orb", cmd).split()[1:]
    if not words:
        return []
    sub = _subparsers().get(words[0])
    if sub is None:
        return [f"no subcommand {words[0]!r}"]
    problems = []
    flags = {s: a for a in sub._actions for s in a.option_strings}
    for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", cmd):
        if flag not in flags:
            problems.append(f"'orb {words[0]}' has no option {flag}")
    for flag, value in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)\s+([^\s]+)", cmd):
        choices = getattr(flags.get(flag), "choices", None)
        parts = value.strip("[]()").split("|")
        if choices and len(parts) > 1:  # a list of the values it takes, e.g. --scale 4|5
            problems += [f"'orb {words[0]} {flag}' takes no {p!r}" for p in parts if p not in map(str, choices)]
    positional = [a for a in sub._actions if not a.option_strings and a.choices]
    if positional:
        for word in words[1:]:
            if word.startswith(("--", "[--", "(--")):
                break
            for action in filter(None, re.split(r"[\s()|\[\]]+", word)):
                if action.islower() and action not in positional[0].choices:
                    problems.append(f"'orb {words[0]}' has no action {action!r}")
    return problems


def test_every_orb_command_in_the_docs_is_one_the_parser_knows():
    found, problems = 0, []
    for page, line, _lang, cmd in documented_commands():
        if ORB.match(cmd):
            found += 1
            problems += [f"{_where(page, line)}: {cmd}\n    {p}" for p in synopsis_problems(cmd)]
    assert found > 40, "the docs should show the orb command at work"
    assert not problems, "commands in the docs that orb does not have:\n" + "\n".join(problems)


def test_the_synopsis_check_catches_drift():
    assert synopsis_problems("orb score --county NAME [--wave W] [--json]") == []
    assert synopsis_problems("orb scores --county NAME") == ["no subcommand 'scores'"]
    assert synopsis_problems("orb packets --all [--pdfs]") == ["'orb packets' has no option --pdfs"]
    assert synopsis_problems("orb webinar (list | send)") == ["'orb webinar' has no action 'send'"]
    assert synopsis_problems("orb instrument create --scale 4|7") == ["'orb instrument --scale' takes no '7'"]


def test_every_runnable_command_parses_and_the_skip_list_is_current():
    runnable = [(page, line, cmd) for page, line, _lang, cmd in documented_commands(runnable=True)]
    shown = {cmd for _page, _line, cmd in runnable}
    assert not set(SKIP) - shown, f"SKIP lists commands no page shows any more: {sorted(set(SKIP) - shown)}"
    for page, line, cmd in runnable:
        if ORB.match(cmd):
            try:
                _parser().parse_args(shlex.split(cmd)[1:])
            except SystemExit:
                pytest.fail(f"{_where(page, line)}: orb cannot parse {cmd!r}")
        else:
            assert cmd in SKIP, (
                f"{_where(page, line)}: {cmd!r} is not an orb command: run it here or add it to SKIP with the reason"
            )


# ------------------------------------------------------------------ the safe commands run
def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORB_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        MPLBACKEND="Agg",
        PYTHONHASHSEED="0",
    )
    return env


def _orb(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orb_widgets.cli", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A demo workspace of three fictional counties, and a survey export of Bayside County's answers."""
    folder = tmp_path_factory.mktemp("docs-demo")
    done = _orb(["demo", "--counties", "3", "--workspace", str(folder / "workspace")], folder)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(ROOT))
    from orb_widgets.app import App

    inst = App.for_workspace(folder / "workspace", create=True).store.current_instrument("Bayside County")
    header = ["id", "role"] + [f"[{i.id}] {i.text}" for i in inst.items]
    rows = [
        [f"paper-{k}", inst.roles[k % len(inst.roles)].label] + [str(1 + (k + j) % 5) for j in range(len(inst.items))]
        for k in range(8)
    ]
    import csv

    with open(folder / "responses.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return folder


@functools.cache
def _run_page(page: Path, demo: Path, where: Path) -> dict[str, subprocess.CompletedProcess]:
    """Every runnable command of one page, in order, in a fresh copy of the demo folder."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(demo, where)
    results = {}
    for _page, line, _lang, cmd in documented_commands(runnable=True):
        if _page != page or cmd in SKIP:
            continue
        results[cmd] = done = _orb(shlex.split(cmd)[1:], where)
        assert done.returncode == 0, (
            f"{_where(page, line)}: {cmd}\nexit code {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return results


@pytest.fixture
def run_page(demo, tmp_path_factory):
    def run(name: str) -> tuple[dict[str, subprocess.CompletedProcess], Path]:
        page = ROOT / name
        where = tmp_path_factory.getbasetemp() / "docs-pages" / name.replace("/", "-")
        return _run_page(page, demo, where), where

    return run


RUNNABLE_PAGES = sorted(
    {str(page.relative_to(ROOT)) for page, _l, _g, cmd in documented_commands(runnable=True) if cmd not in SKIP}
)


@pytest.mark.slow  # runs each page's commands: demos, packets, servers (about a minute in all)
@pytest.mark.parametrize("name", RUNNABLE_PAGES)
def test_the_commands_a_page_shows_run(run_page, name):
    results, _ = run_page(name)
    assert results


# ------------------------------------------------------------------ the JSON pages say what is printed
def _table_fields(page: Path, heading: str, nth: int = 0) -> list[str]:
    """The backticked first column of the nth table under a heading of a page."""
    text = page.read_text(encoding="utf-8").split(heading, 1)[1]
    tables = re.findall(r"((?:^\|.*\|\n)+)", text, re.M)
    rows = tables[nth].splitlines()[2:]
    return [re.match(r"\|\s*`([^`]+)`", row).group(1) for row in rows]


def test_orb_score_json_prints_the_fields_of_the_documented_model(run_page):
    import json

    from orb_widgets import report

    results, _ = run_page("docs/reference/json.md")
    data = json.loads(results['orb score --county "Bayside County" --json'].stdout)
    assert list(data) == list(report.ScoreReport.model_fields)
    rows = {
        "elements": report.ElementRow,
        "by_role": report.RoleRow,
        "by_wave": report.WaveRow,
        "gap": report.GapRow,
        "change": report.ChangeRow,
        "components": report.ComponentRow,
        "priorities": report.PriorityRow,
    }
    for table, model in rows.items():
        assert data[table], f"the demo should fill {table}"
        assert list(data[table][0]) == list(model.model_fields), table
    page = (DOCS / "reference" / "json.md").read_text(encoding="utf-8")
    for table in rows:  # the page has a generated table for each list of rows
        assert f"### `{table}`" in page


def test_orb_debrief_json_prints_the_fields_of_the_documented_model(run_page):
    import json

    from orb_widgets.views.debrief import DebriefReport, DebriefRow

    results, _ = run_page("docs/reference/json.md")
    data = json.loads(results['orb debrief --county "Bayside County" --json'].stdout)
    assert list(data) == list(DebriefReport.model_fields)
    assert data["elements"] and list(data["elements"][0]) == list(DebriefRow.model_fields)
    page = (DOCS / "reference" / "json.md").read_text(encoding="utf-8")
    assert "orb_widgets.views.debrief.DebriefReport" in page and "orb_widgets.views.debrief.DebriefRow" in page


def test_orb_survey_list_json_prints_the_fields_of_the_documented_model(run_page):
    import json

    from orb_widgets.survey.cli import LinkRow

    results, _ = run_page("docs/reference/json.md")
    data = json.loads(results['orb survey list --county "Bayside County" --json'].stdout)
    assert data and list(data[0]) == list(LinkRow.model_fields)
    assert data[0]["open"] is True and data[0]["invited"] == 60 and data[0]["county"] == "Bayside County"
    assert "orb_widgets.survey.cli.LinkRow" in (DOCS / "reference" / "json.md").read_text(encoding="utf-8")


def test_orb_instrument_show_json_has_the_documented_fields(run_page):
    import json

    results, _ = run_page("docs/reference/json.md")
    data = json.loads(results['orb instrument show --county "Bayside County" --json'].stdout)
    page = DOCS / "reference" / "json.md"
    assert _table_fields(page, "## `orb instrument show --json`") == list(data)
    text = page.read_text(encoding="utf-8")
    assert f"each `{{{', '.join(data['elements'][0])}}}`" in text
    assert f"each `{{{', '.join(data['items'][0])}}}`" in text
    assert f"`{{{', '.join(data['scale'])}}}`" in text
    assert f"`{{{', '.join(data['role_question'])}}}`" in text
    assert f"each option `{{{', '.join(data['role_question']['options'][0])}}}`" in text


def test_orb_plan_json_has_the_documented_fields(run_page):
    import json

    results, _ = run_page("docs/reference/json.md")
    data = json.loads(results['orb plan --county "Alder Creek County" --json --today 2026-12-01'].stdout)
    page = DOCS / "reference" / "json.md"
    assert _table_fields(page, "## `orb plan --json`") == list(data)
    assert data["rows"] and data["rows"][0]["steps"], "the demo's plan has rows with steps"
    assert _table_fields(page, "## `orb plan --json`", nth=1) == list(data["rows"][0])
    assert _table_fields(page, "## `orb plan --json`", nth=2) == list(data["rows"][0]["steps"][0])
    assert data["rows"][0]["pulse"], "the demo's first county has a pulse check on its first row"
    assert _table_fields(page, "## `orb plan --json`", nth=3) == list(data["rows"][0]["pulse"])


@pytest.mark.slow  # runs the coordinator guide's commands: a demo and its packets with PDFs
def test_the_packet_manifest_has_the_documented_fields(run_page):
    import json

    _, where = run_page("docs/guides/coordinator.md")
    manifest = json.loads((where / "packets" / "manifest.json").read_text(encoding="utf-8"))
    page = DOCS / "reference" / "json.md"
    assert _table_fields(page, "## The packet manifest") == list(manifest)
    entry = next(iter(manifest["packets"].values()))
    assert entry["status"] == "ok" and entry["pdf"]  # a full entry: web page and PDF
    assert sorted(_table_fields(page, "## The packet manifest", nth=1)) == sorted(entry)
    assert f"`{{{', '.join(manifest['last_run'])}}}`" in page.read_text(encoding="utf-8")


# ------------------------------------------------------------------ the site, the README, the links
@pytest.mark.slow  # a whole Sphinx build
def test_the_site_builds_without_a_warning(tmp_path):
    """What python3 dev.py docs runs: every warning (a broken link, a missing image, a docstring
    that does not parse, a reference to nothing) fails the build."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(tmp_path / "html"),
        ],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, f"sphinx-build -W failed:\n{done.stderr[-6000:]}"
    cli = (tmp_path / "html" / "reference" / "cli.html").read_text(encoding="utf-8")
    for sub in _subparsers():
        assert f"orb {sub}" in cli, f"the CLI reference lacks orb {sub}"
    json_page = (tmp_path / "html" / "reference" / "json.html").read_text(encoding="utf-8")
    assert "respondents with a score on the element" in json_page  # a field's description, from the model


def test_every_link_between_pages_leads_somewhere():
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+\.(?:md|png))(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


def test_the_readme_stays_short_and_points_into_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150, "the README says what ORB is and the commands; the rest goes in docs/"
    for guide in ("coach", "county-team", "coordinator", "importing", "administrator"):
        assert f"(docs/guides/{guide}.md)" in readme
    assert re.findall(r"^python3 dev\.py \w+$", readme, re.M) == [
        "python3 dev.py demo",
        "python3 dev.py test",
        "python3 dev.py docs",
    ]


def test_the_test_set_up_installs_what_the_docs_build_needs():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras["docs"]) <= set(extras["test"]), "python3 dev.py test builds the docs too"
