"""SQLite and PostgreSQL give the same product: the same demo seed gives the
same scores, the same imports and the same packets on both."""

import json
import re

import pytest
import vendors

from orb_widgets import packets
from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.demo import make_demo
from orb_widgets.instrument import tailor
from orb_widgets.paths import unique_slug
from orb_widgets.results import county_results
from orb_widgets.settings import Settings
from orb_widgets.store import Store

COUNTIES = 3


@pytest.fixture(scope="module")
def twins(tmp_path_factory, pg_cluster):
    """The same seeded demo in a SQLite workspace and in a live PostgreSQL database."""
    folder = tmp_path_factory.mktemp("twin-sqlite")
    lite = App.for_workspace(folder, create=True).store
    pg_folder = tmp_path_factory.mktemp("twin-pg")
    pg_url = pg_cluster.new_url()
    pg = Store.open(pg_url, folder=pg_folder)
    names = make_demo(lite, counties=COUNTIES, seed=5)
    assert make_demo(pg, counties=COUNTIES, seed=5) == names
    return {"names": names, "sqlite": (folder, lite, None), "postgresql": (pg_folder, pg, pg_url)}


def _comparable(res: dict) -> str:
    return json.dumps(res, sort_keys=True, default=str)


def test_the_same_seed_scores_the_same_on_both_backends(twins):
    lite, pg = twins["sqlite"][1], twins["postgresql"][1]
    for name in twins["names"]:
        assert lite.waves(name) == pg.waves(name)
        assert _comparable(county_results(lite, name).model_dump()) == _comparable(
            county_results(pg, name).model_dump()
        )
        assert sorted(c["text"] for c in lite.comments(name)) == sorted(c["text"] for c in pg.comments(name))


def _packet_text(html: str) -> str:
    html = re.sub(r'src="data:[^"]+"', "", html)  # chart pictures: same data, renderer bytes may differ
    return re.sub(r"\s+", " ", html)


def test_the_same_seed_prints_the_same_packets_on_both_backends(twins, tmp_path, monkeypatch):
    pages = {}
    for backend in ("sqlite", "postgresql"):
        folder, _store, url = twins[backend]
        if url:
            monkeypatch.setenv("ORB_DATABASE_URL", url)
        else:
            monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
        out = tmp_path / backend
        report = packets.run_packets(
            folder, out=out, pdf=False, progress=False, workers=1, settings=Settings.from_env(workspace=folder)
        )
        assert report.ok, report.summary()
        pages[backend] = {n: _packet_text((out / f"{unique_slug(n)}.html").read_text("utf-8")) for n in twins["names"]}
    for name in twins["names"]:
        assert pages["sqlite"][name] == pages["postgresql"][name], name


def test_an_import_lands_the_same_on_both_backends(any_store, tmp_path, capsys, monkeypatch):
    any_store.save_instrument(tailor("cpm-orb", county="Bayside County", elements="A", min_group=3))
    inst = any_store.current_instrument("Bayside County")
    path = vendors.google(tmp_path / "google.csv", inst, *vendors.people(inst, 20, seed=4))
    monkeypatch.setenv("ORB_DATABASE_URL", any_store.url)
    args = [
        "import",
        str(path),
        "--county",
        "Bayside County",
        "--wave",
        "2026-spring",
        "--workspace",
        str(tmp_path / "ws"),
    ]
    assert main(args) == 0, capsys.readouterr().err
    assert "Imported 20 responses" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 responses" in capsys.readouterr().out
    assert any_store.response_count("Bayside County", "2026-spring") == 20
