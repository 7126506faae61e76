"""The ``orb`` command: used by people, scripts and the packet runner.

Every subcommand takes ``--workspace DIR`` (or ``$ORB_WORKSPACE``). Exit codes:
0 ok, 1 some packets failed, 2 a user error (one line on stderr), 130 stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .exceptions import OrbError, WorkspaceError


def _store(args, create=False):
    return args.app.open_store(create=True) if create else args.app.store


def _import_formats() -> tuple[str, ...]:
    from .importers import formats

    return formats()


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


# ----------------------------------------------------------------- commands
def cmd_init(args) -> int:
    from .format import plural
    from .webinar import legacy

    store = args.app.open_store(create=True, upgrade=args.upgrade)
    if store.upgraded and store.upgraded[0] != store.upgraded[1]:
        print(
            f"Workspace brought from layout {store.upgraded[0]} to {store.upgraded[1]}; nothing was lost: "
            f"{store.folder or store.where}"
        )
    else:
        print(f"Workspace ready: {store.folder or store.where}")
    # Breakout sessions counties kept themselves in older versions: moved into the coach's series on upgrade.
    if args.upgrade and not store.read_only:
        moved = legacy.move_breakouts(store)
        if moved.events:
            print(
                f"Moved {plural(len(moved.events), 'breakout session')} that counties recorded themselves into "
                f"the coach's webinar series, one event each: {', '.join(moved.events)}"
            )
        if moved.unreadable:
            print(f"Not moved, as they could not be read (they are not shown anywhere): {'; '.join(moved.unreadable)}")
    elif waiting := legacy.waiting(store):
        print(
            f"Note: this workspace holds {plural(waiting, 'breakout session')} recorded in an older version, "
            f"not shown anywhere; run 'orb init --upgrade' to move {'it' if waiting == 1 else 'them'} into the "
            f"coach's webinar series."
        )
    return 0


def cmd_demo(args) -> int:
    from dataclasses import replace

    from .app import App
    from .demo import make_demo

    folder = args.app.workspace
    # The demo makes its own SQLite workspace: it never writes into a shared database
    # (ORB_DATABASE_URL) unless told to with --database-url, and then only into its own demo.
    store = App(replace(args.app.settings, database_url=args.database_url)).open_store(create=True)
    if not store.is_empty():
        if not store.get_meta("demo"):
            raise WorkspaceError(
                f"{store.where} holds real counties; a demo is never made there. Choose another folder with --workspace"
            )
        if not args.force:
            raise WorkspaceError(
                f"{store.where} already holds a demo; use --force to make it afresh "
                f"or --workspace to choose another folder"
            )
        store.clear()
    names = make_demo(store, counties=args.counties, seed=args.seed)
    print(
        f"Demo workspace with {len(names)} fictional counties and municipalities (synthetic answers, seed {args.seed}): "
        f"{folder if not args.database_url else store.where}"
    )
    if args.app.settings.database_url and not args.database_url:
        print(
            "Note: ORB_DATABASE_URL is set in this shell, so other orb commands open that database; "
            "unset it to work with this demo.",
            file=sys.stderr,
        )
    return 0


def cmd_frameworks(args) -> int:
    from .content import list_frameworks, load_framework

    if args.items:
        fw = load_framework(args.items, args.language)
        if args.json:
            _print_json([i.model_dump() for i in fw.items])
        else:
            for i in fw.items:
                print(f"{i.id:5} {'(reversed) ' if i.reverse else ''}{i.text}")
        return 0
    packs = list_frameworks()
    if args.json:
        _print_json(packs)
    else:
        for p in packs:
            print(
                f"{p['id']:10} {p['title']}  ({p['elements']} elements, {p['items']} items; "
                f"languages: {', '.join(p['languages'])})"
            )
    return 0


def cmd_counties(args) -> int:
    for c in _store(args).counties():
        print(c.name)
    return 0


def cmd_instrument(args) -> int:
    from .instrument import export_printable, export_text, tailor

    store = _store(args, create=args.action == "create")
    if args.action == "create":
        if not args.framework:
            raise OrbError("say which framework to tailor from: --framework cpm-orb (see 'orb frameworks')")
        inst = tailor(
            args.framework,
            county=args.county,
            elements=args.elements,
            items=args.items,
            points=args.scale,
            roles=args.roles,
            min_group=args.min_group,
            language=args.language,
            routed=args.routed,
            routes=_routes(args.route),
            own=_own(args.own),
            own_groups=_groups(args.add_group),
            units=_units(args.units),
        )
        iid, version = store.save_instrument(inst)
        if args.json:
            _print_json({**inst.to_json(), "version": version})
        else:
            routed = "; each role group is asked only its statements" if inst.routed else ""
            units = f"; it asks which office or unit ({len(inst.units)} listed)" if inst.units else ""
            print(
                f"Saved the assessment for {inst.county}: {len(inst.items)} statements in "
                f"{len(inst.elements)} sections, {inst.scale.points}-point scale (version {version}, id {iid})"
                f"{routed}{units}."
            )
        return 0
    inst = store.current_instrument(store.county(args.county).name)
    if args.action == "show":
        if args.json:
            _print_json(inst.to_json())
        else:
            print(export_text(inst), end="")
        return 0
    # export
    from .exports import write_atomic
    from .paths import slugify

    out = Path(args.out or ".")
    stem = slugify(inst.county)
    text = write_atomic(out / f"{stem}-survey.txt", export_text(inst))
    page = write_atomic(out / f"{stem}-survey-printable.html", export_printable(inst))
    print(f"Survey text to paste into your survey tool: {text}")
    print(f"Printable survey: {page}")
    return 0


class _OwnStatement(argparse.Action):
    """``--add-statement "E: text"`` and ``--for GROUPS``, kept in the order given (read by :func:`_own`)."""

    def __call__(self, parser, namespace, value, option_string=None):
        namespace.own = [*(getattr(namespace, "own", None) or []), (option_string, value)]


def _own(given) -> list[dict]:
    """Own statements from ``--add-statement "E: text"``, each ``--for GROUPS`` naming who is asked the one before."""
    own: list[dict] = []
    for option, value in given or []:
        if option == "--for":
            if not own:
                raise OrbError("--for GROUPS comes after the --add-statement it is for")
            own[-1]["roles"] = value
            continue
        element, sep, text = value.partition(":")
        if not sep or not element.strip() or len(element.strip()) > 3:
            raise OrbError(
                f"--add-statement {value!r}: start with the element and a colon, "
                f'e.g. --add-statement "E: We look at our numbers together every month."'
            )
        own.append({"element": element.strip(), "text": text.strip()})
    return own


def _units(value):
    """``--units "North office,South office"``: checked by the instrument, named here when wrong."""
    from .instrument import check_units

    if value is None:
        return None
    try:
        return check_units(value.split(","))
    except ValueError as e:
        raise OrbError(f"--units: {e}") from None


def _groups(values) -> list[dict]:
    """``--add-group "Public health nurses=staff"`` (repeatable) as own role groups with their level."""
    out = []
    for value in values or []:
        label, sep, level = value.rpartition("=")
        if not sep or not label.strip():
            raise OrbError(
                f'--add-group {value!r}: write it as NAME=LEVEL, e.g. --add-group "Public health nurses=staff" '
                "(levels: leadership, supervisor, staff, partner)"
            )
        out.append({"label": label, "level": level})
    return out


def _routes(values) -> dict[str, str]:
    """``--route F2=supervisors,social_workers`` (repeatable) as statement id → role groups."""
    out = {}
    for value in values or []:
        item, sep, roles = value.partition("=")
        if not sep or not item.strip():
            raise OrbError(
                f"--route {value}: write it as STATEMENT=GROUP,GROUP (e.g. --route F2=supervisors,social_workers)"
            )
        out[item.strip().upper()] = roles
    return out


def cmd_import(args) -> int:
    from .importers import open_export

    path = Path(args.file)
    if not path.is_file():
        raise OrbError(f"{path}: no such file")
    store = _store(args)
    county = store.county(args.county).name
    inst = store.current_instrument(county)
    export = open_export(path, inst, format=args.format, encoding=args.encoding)
    missing = export.missing_questions
    if missing and args.require_all_questions:
        from .exceptions import ImportFileError

        unused = " | ".join(export.ignored_columns) or "none"
        raise ImportFileError(
            path,
            f"no column holds question(s) {', '.join(missing)}; columns not used: "
            f"{unused}. Put the [A1]-style tag back in the question's header, or "
            f"import without --require-all-questions to score without them",
            row=export.table.header_row,
        )
    held: dict[str, list[int]] = {}

    def skipped_row(response, how):
        held.setdefault(how, []).append(response.origin.row if response.origin else 0)

    off_route = [0]  # answers to statements not asked of the person's group: kept, never scored

    def routed(responses):
        for response in responses:
            shown = {i.id for i in inst.items_for(response.role)} if inst.routed else None
            if shown is not None:
                off_route[0] += sum(1 for item, v in response.answers.items() if item not in shown and v is not None)
            yield response

    with _progress(path, "Checking" if args.dry_run else "Importing") as bar:
        # Written in batches that stay invisible until the last one lands: survey answers keep
        # arriving meanwhile, and a mistake on the file's last row (or a stop) stores nothing.
        added, skipped = store.import_responses(
            county,
            args.wave,
            routed(_counted(export, bar)),
            instrument=inst,
            file_name=path.name,
            sha256=export.sha256,
            source=f"import:{path.name}",
            on_skip=skipped_row,
            dry_run=args.dry_run,
        )
    if args.verbose:
        for how, rows in held.items():
            print(f"Already imported before ({_HELD[how]}): {_rows(rows)}")
        for why, rows in export.dropped_rows.items():
            print(f"Dropped, {why}: {_rows(rows)}")
    dropped = "".join(f"; dropped {n} {why}" for why, n in export.dropped.items() if n)
    again = f"; {skipped} already imported before" if skipped else ""
    again += " (--verbose lists their rows)" if skipped and not args.verbose else ""
    unasked = f"; not in the file, so not scored: {', '.join(missing)}" if missing else ""
    if off_route[0]:
        unasked += (
            f"; {off_route[0]} answers to statements not asked of the person's group are kept but not scored "
            "(see 'orb instrument export' for each tool's display logic)"
        )
    done = f"Dry run, nothing stored: would import {added} responses" if args.dry_run else f"Imported {added} responses"
    print(f"{done} for {county}, wave {args.wave} ({export.format}){again}{dropped}{unasked}.")
    if export.ignored_columns:
        print(
            "Columns not used (no [A1]-style tag or matching question): " + " | ".join(export.ignored_columns),
            file=sys.stderr,
        )
    return 0


#: Why ``orb import --verbose`` says a row is one the wave already holds (the store's ``how``).
_HELD = {
    "id": "the same id",
    "time": "the same time, to the second, and role group",
    "minute": "the same minute and role group, in a file that gives no seconds or after one",
    "rows": "the same rows, from the top, as a file imported before",
    "earlier": "as an earlier ORB Workbook stored it",
}


def _rows(numbers: list[int]) -> str:
    """``rows 2-4, 7``: row numbers as a spreadsheet shows them, runs joined."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    return f"row{'s' if len(numbers) > 1 else ''} {text}"


def _counted(export, bar):
    """The export's responses, counted on the progress bar; a file with none is refused at its end."""
    n = 0
    for n, item in enumerate(export, start=1):
        if n % 2000 == 0:
            bar.update(2000)
        yield item
    if n == 0:
        export.check()


def _progress(path: Path, what: str, total: int | None = None):
    """A progress bar on stderr, shown only on a terminal and only when the work takes over 3 s."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=f"{what} {path.name}",
        unit=" responses",
        file=sys.stderr,
        delay=3,
        disable=not sys.stderr.isatty(),
        leave=False,
    )


def cmd_score(args) -> int:
    from .render import render
    from .views import results_view

    res = args.app.results(args.county, args.wave)
    if args.json:
        print(res.to_json())
        return 0
    print(render("results.txt.j2", view=results_view(res)))
    return 0


def cmd_debrief(args) -> int:
    from .content import load_framework
    from .render import render
    from .views.debrief import TEAM_RATING_NOTE, debrief_report, debrief_view
    from .workbook import debriefs

    store = _store(args)
    county = store.county(args.county).name
    inst = store.current_instrument(county)
    # Without survey answers the team's own ratings (made without a wave) are shown.
    report = args.app.results(county, args.wave) if args.wave or store.waves(county) else None
    fw = load_framework(inst.framework, inst.language)
    if args.json:
        print(debrief_report(store, county, report, fw, inst.elements).model_dump_json(indent=2))
        return 0
    wave = report.wave if report is not None else None
    view = debrief_view(fw, inst.elements, report, debriefs(store, county, wave))
    print(render("debrief.txt.j2", county=county, view=view, note=TEAM_RATING_NOTE), end="")
    return 0


def cmd_plan(args) -> int:
    from .plan_cli import run_plan

    return run_plan(args)


# ----------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", metavar="DIR", default=None, help="workspace folder (default: $ORB_WORKSPACE or ./workspace)"
    )
    p = argparse.ArgumentParser(
        prog="orb", description="ORB Workbook: organizational readiness building.", parents=[common]
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", parents=[common], help="create an empty workspace")
    s.add_argument(
        "--upgrade",
        action="store_true",
        help="bring a workspace made by an older ORB Workbook to this version's layout",
    )
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", parents=[common], help="make a demo workspace of fictional counties")
    s.add_argument("--counties", type=int, default=6, help="how many fictional counties (default 6)")
    s.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    s.add_argument("--force", action="store_true", help="make an existing demo afresh (never real data)")
    s.add_argument(
        "--database-url",
        metavar="URL",
        help="put the demo in this (empty or demo-only) database instead of the folder's SQLite file",
    )
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("frameworks", parents=[common], help="list the content packs")
    s.add_argument("--items", metavar="FRAMEWORK", help="list a framework's item bank")
    s.add_argument("--language", default=None)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_frameworks)

    s = sub.add_parser("counties", parents=[common], help="list the workspace's counties, one a line")
    s.set_defaults(func=cmd_counties)

    s = sub.add_parser("instrument", parents=[common], help="create, show or export a county's assessment")
    s.add_argument("action", choices=["create", "show", "export"])
    s.add_argument("--county", "--unit", required=True, help=UNIT_HELP)
    s.add_argument("--framework", help="content pack id (create)")
    s.add_argument("--elements", help="comma-separated element ids, e.g. A,C (default: all)")
    s.add_argument("--items", help="comma-separated bank item ids (default: all suited to the role groups)")
    s.add_argument("--roles", help="comma-separated role group ids (default: all)")
    s.add_argument("--scale", type=int, default=5, choices=[4, 5], help="4 or 5 points (default 5)")
    s.add_argument("--min-group", type=int, default=5, help="smallest group shown in results (default 5, at least 3)")
    s.add_argument(
        "--routed",
        action="store_true",
        help="ask each role group only the statements the framework marks for it (create)",
    )
    s.add_argument(
        "--route",
        action="append",
        metavar="STATEMENT=GROUPS",
        help="who is asked one statement, e.g. F2=supervisors,social_workers or F2=all; repeatable; implies --routed",
    )
    s.add_argument(
        "--add-group",
        action="append",
        metavar="NAME=LEVEL",
        help='a role group of your own, e.g. "Public health nurses=staff" (levels: leadership, supervisor, '
        "staff, partner); repeatable",
    )
    s.add_argument(
        "--units",
        metavar='"NAME,NAME,…"',
        help='ask "Which office or unit?" (optional for respondents) with these answers, e.g. '
        '"North office,South office"; results then show each office or unit (create)',
    )
    s.add_argument(
        "--add-statement",
        action=_OwnStatement,
        dest="own",
        metavar='"E: TEXT"',
        help="a statement of your own for element E (marked local: scored with E, never compared "
        "across counties); repeatable",
    )
    s.add_argument(
        "--for",
        action=_OwnStatement,
        dest="own",
        metavar="GROUPS",
        help="the role groups asked the --add-statement just before it, e.g. supervisors,social_workers",
    )
    s.add_argument("--language", default=None)
    s.add_argument("--json", action="store_true")
    s.add_argument("--out", metavar="DIR", help="folder for export files (default: current folder)")
    s.set_defaults(func=cmd_instrument)

    s = sub.add_parser("import", parents=[common], help="import a survey export (CSV or xlsx)")
    s.add_argument("file")
    s.add_argument("--county", "--unit", required=True, help=UNIT_HELP)
    s.add_argument("--wave", required=True, help="wave label, e.g. 2026-spring")
    s.add_argument(
        "--format",
        default="auto",
        choices=_import_formats(),
        help="the survey tool that made the file (default: recognised from the file)",
    )
    s.add_argument(
        "--encoding",
        default=None,
        help="the file's text encoding when it is not UTF-8 or Windows-1252 (e.g. shift_jis)",
    )
    s.add_argument(
        "--require-all-questions",
        action="store_true",
        help="refuse the file when a question of the survey has no column in it (by default it "
        "is imported and the summary names the questions not asked)",
    )
    s.add_argument(
        "--dry-run",
        action="store_true",
        help="read and check the file and say what it would add and skip, storing nothing",
    )
    s.add_argument(
        "--verbose",
        action="store_true",
        help="list the rows skipped (already imported before, or left out) by their number",
    )
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("score", parents=[common], help="score a county's assessment")
    s.add_argument("--county", "--unit", required=True, help=UNIT_HELP)
    s.add_argument("--wave", default=None, help="wave label (default: the latest)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_score)

    s = sub.add_parser(
        "debrief", parents=[common], help="what a county's team made of its results, and its own team ratings"
    )
    s.add_argument("--county", "--unit", required=True, help=UNIT_HELP)
    s.add_argument("--wave", default=None, help="wave label (default: the latest; none: the team's own ratings)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_debrief)

    s = sub.add_parser("plan", parents=[common], help="show or export the SO WHAT? planning matrix")
    s.add_argument("--county", "--unit", required=True, help=UNIT_HELP)
    s.add_argument("--wave", default=None)
    s.add_argument("--out", metavar="FILE", help="save as .xlsx or .csv (one line per step), or the staff page")
    s.add_argument("--json", action="store_true", help="print the plan as JSON (rows, steps, overdue)")
    s.add_argument("--today", metavar="YYYY-MM-DD", help="judge overdue and due soon as of this day (default: today)")
    s.add_argument(
        "--staff-page",
        action="store_true",
        help="with --out FILE.html or .pdf: the one-page 'What you told us, and what we will do' for staff",
    )
    s.set_defaults(func=cmd_plan)

    _add_later_commands(sub, common)
    return p


#: The help of every ``--county``: a framework calls its unit a county, municipality or school.
UNIT_HELP = "the county, municipality or school, as 'orb counties' lists it (--unit is the same)"


def _add_later_commands(sub, common) -> None:
    """Packets and serving live in their own modules."""
    from . import packets, serve
    from .hub import config as hub
    from .survey import cli as survey
    from .webinar import cli as webinar

    packets.add_cli(sub, common)
    serve.add_cli(sub, common)
    survey.add_cli(sub, common)
    webinar.add_cli(sub, common)
    hub.add_cli(sub, common)


def main(argv: list[str] | None = None) -> int:
    """The ``orb`` command's entry point: the settings are read here, once, into the one :class:`~orb_widgets.app.App`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from .app import App
    from .settings import Settings

    args.app = App(Settings.from_env(workspace=args.workspace))  # every command works through it
    if args.app.settings.check_tiny_groups:
        # Checking imports against an independent computation on tiny test files only.
        from .instrument import check_tiny_groups

        check_tiny_groups()
    try:
        return args.func(args) or 0
    except OrbError as exc:
        print(f"orb: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("orb: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
