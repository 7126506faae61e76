"""A packet folder is complete: the manifest says which formats were built, and no PDF disagrees with its HTML."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from orb_widgets import packets
from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.demo import make_demo
from orb_widgets.paths import unique_slug
from orb_widgets.store import NewResponse


def _people(text: str) -> str:
    found = re.search(r"People who answered\s+(\d+)", " ".join(text.split()), re.IGNORECASE)
    assert found, text[:400]
    return found[1]


def _pdf_people(pdf) -> str:
    """The cover's "People who answered", read from the PDF laid out as printed (label above value)."""
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: install poppler-utils", pytrace=False)
    lines = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    at = next(n for n, line in enumerate(lines) if "PEOPLE WHO ANSWERED" in line.upper())
    column = lines[at].upper().index("PEOPLE WHO ANSWERED")
    return lines[at + 1][column:].split()[0]


def _html_text(page) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page.read_text("utf-8"), flags=re.S))


def test_a_pdf_run_after_an_html_only_run_rebuilds_the_pdf_so_both_agree(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder, out = tmp_path / "ws", tmp_path / "packets"
    store = App.for_workspace(folder, create=True).store
    name = make_demo(store, counties=1, seed=5)[0]
    slug = unique_slug(name)
    args = ["packets", "--all", "--workspace", str(folder), "--out", str(out), "--workers", "1"]

    assert main([*args, "--pdf"]) == 0
    first = json.loads((out / "manifest.json").read_text("utf-8"))["packets"][name]
    assert first["formats"] == ["html", "pdf"]
    people = _pdf_people(out / f"{slug}.pdf")

    # one more person answers; the coordinator rebuilds the HTML only
    inst = store.current_instrument(name)
    wave = store.waves(name)[-1]
    store.add_responses(
        name,
        wave,
        [NewResponse(role=inst.roles[0].id, answers={i.id: 3 for i in inst.items})],
        instrument=inst,
        source="test",
    )
    assert main([*args, "--no-pdf"]) == 0
    html_only = json.loads((out / "manifest.json").read_text("utf-8"))["packets"][name]
    assert html_only["formats"] == ["html"]
    assert not (out / f"{slug}.pdf").exists(), "a PDF older than its HTML was left in the folder"
    assert _people(_html_text(out / f"{slug}.html")) == str(int(people) + 1)
    capsys.readouterr()

    assert main([*args, "--pdf"]) == 0
    said = capsys.readouterr()
    assert "1 packet built" in said.out + said.err
    again = json.loads((out / "manifest.json").read_text("utf-8"))["packets"][name]
    assert again["formats"] == ["html", "pdf"]
    assert _pdf_people(out / f"{slug}.pdf") == _people(_html_text(out / f"{slug}.html")) == str(int(people) + 1)


def test_a_manifest_entry_without_a_pdf_is_rebuilt_when_a_pdf_is_asked_for(tmp_path, monkeypatch):
    """An older manifest (no ``formats``) says what was built by its file names; a stray PDF file is not trusted."""
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder, out = tmp_path / "ws", tmp_path / "packets"
    store = App.for_workspace(folder, create=True).store
    name = make_demo(store, counties=1, seed=5)[0]
    report = packets.run_packets(folder, out=out, pdf=False, progress=False, workers=1)
    assert report.count(packets.Status.OK) == 1
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    del manifest["packets"][name]["formats"]  # as an older version wrote it
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (out / f"{unique_slug(name)}.pdf").write_bytes(b"%PDF-1.4 stale")
    assert packets.Manifest.load(out).packets[name].formats == ["html"]
    report = packets.run_packets(folder, out=out, pdf=True, progress=False, workers=1)
    assert report.count(packets.Status.OK) == 1 and report.count(packets.Status.SKIPPED) == 0
    assert (out / f"{unique_slug(name)}.pdf").stat().st_size > 1000
    assert os.path.getsize(out / f"{unique_slug(name)}.html") > 1000
