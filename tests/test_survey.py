"""The survey link without a browser: what a respondent and a coordinator would notice."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest
from survey_server import COUNTY, OTHER, WAVE, Browser, make_workspace, start

from orb_widgets.app import App
from orb_widgets.exceptions import InvalidValue, WorkspaceError
from orb_widgets.instrument import tailor
from orb_widgets.survey.form import build_response, form_languages, form_view, pick_language, read_answers

ANSWERS = {"role": "supervisors", "q-A1": "4", "q-A2": "5", "q-B3": "2", "q-C1": "dk"}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    make_workspace(tmp_path / "ws")
    return tmp_path / "ws"


@pytest.fixture
def server(folder):
    running = start(folder)
    yield running
    running.stop()


def stored(server, county=COUNTY):
    return server.store.response_count(county, WAVE)


# ---------------------------------------------------------------- pure checks
def test_build_response_refuses_what_the_survey_does_not_have():
    inst = tailor("cpm-orb", county=COUNTY, elements=["A", "B"])
    first = inst.items[0].id
    assert build_response(inst, "Supervisor", {first: 5}).role == "supervisors"
    assert build_response(inst, "supervisors", {first: "dk"}).answers == {first: "dk"}
    for role, answers, comments in [
        ("mayor", {first: 3}, None),
        (None, {first: 3}, None),
        ("supervisors", {first: 6}, None),
        ("supervisors", {first: 0}, None),
        ("supervisors", {first: True}, None),
        ("supervisors", {first: "4"}, None),
        ("supervisors", {"Z99": 3}, None),
        ("supervisors", {first: None}, None),
        ("supervisors", {first: 3}, {"Q": "x"}),
        ("supervisors", {first: 3}, {"A": 42}),
    ]:
        with pytest.raises(InvalidValue):
            build_response(inst, role, answers, comments)


def test_posted_fields_become_numbers_only_when_they_are_digits():
    inst = tailor("cpm-orb", county=COUNTY, elements=["A"])
    role, answers, comments = read_answers(
        inst, {"role": "supervisors", "q-A1": "3", "q-A2": "dk", "q-A3": "", "q-A4": "3.5", "c-A": "hi", "once": "x"}
    )
    assert (role, answers, comments) == ("supervisors", {"A1": 3, "A2": "dk", "A3": None, "A4": "3.5"}, {"A": "hi"})
    with pytest.raises(InvalidValue):
        build_response(inst, role, answers, comments)  # 3.5 is not a scale point


def test_language_is_the_pages_choice_then_the_browsers():
    assert pick_language(["en", "es"], None, "es-MX,es;q=0.9,en;q=0.5") == "es"
    assert pick_language(["en", "es"], None, "fr-CA,fr;q=0.9,en;q=0.3") == "en"
    assert pick_language(["en", "es"], None, "en;q=0.2,es;q=0.8") == "es"
    assert pick_language(["en", "es"], "en", "es") == "en"
    assert pick_language(["en", "es"], "xx", None) == "en"


def test_spanish_and_swedish_are_offered_unless_the_county_reworded():
    assert form_languages(tailor("cpm-orb", county=COUNTY)) == ["en", "es"]
    assert form_languages(tailor("cps", county=OTHER)) == ["en", "sv"]
    reworded = tailor("cpm-orb", county=COUNTY, rewording={"A1": "Our own words."})
    assert form_languages(reworded) == ["en"]  # the county's words exist in English only
    view = form_view(tailor("cps", county=OTHER, points=4), "sv")
    assert view.role_question == "Vilken grupp passar bäst för din roll?"
    assert [c.label for c in view.scale] == [
        "Stämmer inte alls",
        "Stämmer inte",
        "Stämmer",
        "Stämmer helt",
        "Vet inte / gäller inte mig",
    ]
    assert [c.value for c in view.scale] == ["1", "2", "3", "4", "dk"]


def test_every_form_text_is_translated_with_the_same_placeholders():
    from babel.messages.pofile import read_po

    from orb_widgets.survey.i18n import LOCALE_DIR

    with open(LOCALE_DIR / "messages.pot", "rb") as f:
        ids = {m.id for m in read_po(f) if m.id}
    assert len(ids) > 30
    for lang in ("es", "sv"):
        with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            cat = {m.id: m.string for m in read_po(f) if m.id}
        assert set(cat) == ids, f"{lang}: catalogue out of date with messages.pot"
        for mid, text in cat.items():
            assert text and text != mid or mid == text == "", (lang, mid)
            assert sorted(re.findall(r"%\(\w+\)s", text)) == sorted(re.findall(r"%\(\w+\)s", mid)), (lang, mid)


def test_catalogue_template_lists_every_text_the_pages_use(tmp_path):
    """Extracting again gives the shipped messages.pot: no page text is left out of translation."""
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    from orb_widgets.survey.i18n import LOCALE_DIR

    out = tmp_path / "messages.pot"
    root = LOCALE_DIR.parent.parent.parent
    CommandLineInterface().run(
        [
            "pybabel",
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "-o",
            str(out),
            str(root),
        ]
    )
    with open(out, "rb") as f:
        fresh = {m.id for m in read_po(f) if m.id}
    with open(LOCALE_DIR / "messages.pot", "rb") as f:
        shipped = {m.id for m in read_po(f) if m.id}
    assert fresh == shipped


def test_role_counts_never_show_a_group_below_the_minimum():
    from orb_widgets.results import role_counts

    assert role_counts({"a": 12, "b": 6, "c": 2}, 5) == {"a": 12, "b": None, "c": None}
    assert role_counts({"a": 12, "b": 6, "c": 2, "d": 1}, 5) == {"a": 12, "b": 6, "c": None, "d": None}
    assert role_counts({"a": 12, "b": 0}, 5) == {"a": 12, "b": None}


# ---------------------------------------------------------------- the served form
def test_form_page_is_plain_html_with_the_role_question_first(server):
    b = Browser()
    page = b.get(server.link())
    assert b.status == 200
    assert page.index('name="role"') < page.index('name="q-A1"')
    assert "Part 2 of 6" in page and "anonymous" in page
    assert len(re.findall(r'name="q-A1"', page)) == 6  # five points and don't know, in every statement
    assert [c.name for c in b.jar] == ["_xsrf"]
    assert len(page.encode()) < 60_000


def test_send_stores_once_and_thanks_without_asking_again(server):
    b = Browser()
    b.get(server.link())
    form = b.hidden()
    b.post(server.link(), {**ANSWERS, "c-A": "More <b>time</b> please"})
    assert b.status == 200 and b.url.endswith("/thanks?lang=en")
    assert "Thank you — your answers were saved." in b.page
    assert "<form" not in b.page and "new survey" not in b.page.lower() and "again" not in b.page.lower()
    assert stored(server) == 1
    b.post(server.link(), ANSWERS, hidden=form)  # a second press, or Back and Send
    assert b.status == 200 and "Thank you" in b.page
    assert stored(server) == 1
    df = server.store.answers_frame(COUNTY)
    assert df.set_index("item")["value"].to_dict()["A1"] == 4 and set(df["role"]) == {"supervisors"}
    assert server.store.comments(COUNTY, WAVE)[0]["text"] == "More <b>time</b> please"


def test_a_mistake_keeps_every_answer_on_screen_and_escapes_text(server):
    b = Browser()
    b.get(server.link())
    b.post(server.link(), {k: v for k, v in ANSWERS.items() if k != "role"} | {"c-B": "<script>x()</script>"})
    assert b.status == 400
    assert "Please choose the group that best fits your role" in b.page
    assert b.checked() == {"q-A1": "4", "q-A2": "5", "q-B3": "2", "q-C1": "dk"}
    assert "&lt;script&gt;x()&lt;/script&gt;" in b.page and "<script>x()" not in b.page
    assert stored(server) == 0
    b.post(server.link(), {**ANSWERS, "c-B": "<script>x()</script>"})  # fixed, sent from the same page
    assert "Thank you" in b.page and stored(server) == 1


def test_a_full_disk_says_so_and_keeps_the_answers(server, monkeypatch):
    def full(*a, **k):
        raise WorkspaceError("/srv/orb is full: nothing was saved")

    monkeypatch.setattr(server.survey.store, "add_responses", full)
    b = Browser()
    b.get(server.link())
    b.post(server.link(), {**ANSWERS, "c-A": "keep me"})
    assert b.status == 503
    assert "could not save your answers just now" in b.page and "/srv/orb" not in b.page
    assert b.checked()["q-A2"] == "5" and "keep me" in b.page
    monkeypatch.undo()
    b.post(server.link(), {**ANSWERS, "c-A": "keep me"})
    assert "Thank you" in b.page and stored(server) == 1


def test_a_closed_link_says_so_kindly_and_keeps_answers_being_sent(server):
    b = Browser()
    b.get(server.link())
    server.store.close_link(server.token)
    b.post(server.link(), ANSWERS)
    assert b.status == 410 and "This survey closed before your answers arrived" in b.page
    assert b.checked()["q-A1"] == "4" and stored(server) == 0
    b.get(server.link())
    assert b.status == 410 and "This survey has closed" in b.page and "<form" not in b.page
    b.get(server.link("x" * 24))
    assert b.status == 404 and "We could not find this survey" in b.page


def test_no_xsrf_cookie_or_a_forged_token_stores_nothing(server):
    b = Browser()
    b.get(server.link())
    stranger = Browser()  # a page on another site posting with someone's form but without their cookie
    stranger.post(server.link(), ANSWERS, hidden=b.hidden())
    assert stranger.status == 403 and "safety check" in stranger.page and stranger.checked()["q-A1"] == "4"
    b.post(server.link(), ANSWERS, hidden={**b.hidden(), "once": "made-up.token"})
    assert b.status == 400 and "press Send once more" in b.page
    assert stored(server) == 0
    b.post(server.link(), ANSWERS)  # the re-shown page carries a fresh token
    assert "Thank you" in b.page and stored(server) == 1


def test_rate_limit_is_per_link_so_a_room_on_one_network_is_not_blocked(folder):
    server = start(folder, burst=3, per_minute=0.0001)
    try:
        people = [Browser() for _ in range(5)]
        for p in people:
            p.get(server.link())
        for p in people[:3]:
            p.post(server.link(), ANSWERS)
            assert "Thank you" in p.page
        people[3].post(server.link(), ANSWERS)
        assert people[3].status == 429 and "Please wait a minute" in people[3].page
        assert people[3].checked()["q-A1"] == "4"
        other = Browser()  # another county's link on the same server (same address) is not held back
        other.get(server.link(server.other_token))
        other.post(server.link(server.other_token), {"role": "teachers", "q-A1": "3"})
        assert "Thank you" in other.page
        assert stored(server) == 3 and stored(server, OTHER) == 1
    finally:
        server.stop()


def test_request_log_holds_no_address_and_no_whole_link(server, caplog):
    caplog.set_level(logging.INFO, logger="orb.survey")
    b = Browser()
    b.get(server.link())
    b.post(server.link(), ANSWERS)
    text = caplog.text
    assert "127.0.0.1" not in text and server.token not in text and "POST" in text


def _malformed_posts(url: str) -> list[tuple[str, int, str]]:
    """Send what no browser on the form would: (what, status, page) for each."""
    import socket
    import urllib.parse

    b = Browser()
    b.get(url)
    form = urllib.parse.urlencode({**b.hidden(), **ANSWERS})
    cookie = "; ".join(f"{c.name}={c.value}" for c in b.jar)
    sent = []
    for what, body, kind in [
        ("bad unicode", f"{form}&q-A2=%ff%fe&c-A=%c3%28", "application/x-www-form-urlencoded"),
        ("20,000 fields", form + "".join(f"&x{k}=1" for k in range(20_000)), "application/x-www-form-urlencoded"),
        ("huge body", f"{form}&c-A={'x' * 3_000_000}", "application/x-www-form-urlencoded"),
        (
            "garbage multipart",
            "--zz\r\nContent-Disposition: nonsense\r\n\r\n\x00\xff--",
            "multipart/form-data; boundary=zz",
        ),
        ("multipart without boundary", form, "multipart/form-data"),
        ("wrong XSRF", form.replace("_xsrf=", "_xsrf=2%7Cbad%7Cbad%7C") + "", "application/x-www-form-urlencoded"),
    ]:
        request = urllib.request.Request(
            url,
            body.encode("utf-8", "surrogateescape"),
            method="POST",
            headers={"Content-Type": kind, "Cookie": cookie},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                sent.append((what, r.status, r.read().decode()))
        except urllib.error.HTTPError as e:
            sent.append((what, e.code, e.read().decode()))
    # and one the HTTP layer itself refuses (no page can be sent then, but the log must stay clean)
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            f"POST {urllib.parse.urlsplit(url).path} HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n".encode()
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    return sent


def _assert_kind_answers(sent):
    for what, status, page in sent:
        if what == "wrong XSRF":  # the form again, answers kept, saying what to do
            assert status == 403 and "safety check" in page and 'value="4" checked' in page, what
            continue
        assert status == 400, what
        assert "Your answers could not be read" in page and "reload the page" in page, what
        assert "Traceback" not in page and "Error" not in page, what


def _assert_private(log: str, token: str):
    assert log.strip()
    assert token not in log and token[4:12] not in log
    assert "127.0.0.1" not in log and "Traceback" not in log and "AttributeError" not in log


def test_malformed_posts_get_the_kind_page_and_leave_a_private_log(server, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    sent = _malformed_posts(server.link())
    _assert_kind_answers(sent)
    _assert_private(caplog.text, server.token)
    assert "400 POST /survey/" in caplog.text
    assert stored(server) == 0


def test_the_survey_servers_own_log_holds_no_link_and_no_address(folder, tmp_path):
    """``orb serve --form`` as a process: everything it writes (stdout and stderr) is private."""
    from orb_widgets.serve import launch

    token = App.for_workspace(folder).store.open_link(COUNTY, WAVE).token
    log_path = tmp_path / "survey.log"
    with launch(folder, form=True, log_path=log_path) as served:
        link = f"{served.url}survey/{token}"
        b = Browser()
        b.get(link)
        b.post(link, ANSWERS)
        assert "Thank you" in b.page
        _assert_kind_answers(_malformed_posts(link))
        for path in ("nothing/here", f"survey/{token}/thanks?lang=%ff", f"survey/{token}?token={token}"):
            try:
                urllib.request.urlopen(served.url + path, timeout=30).read()
            except urllib.error.HTTPError:
                pass
    log = log_path.read_text()
    _assert_private(log, token)
    assert log.count("400 POST /survey/") >= 5 and f"/survey/{token[:4]}…" in log


def test_spanish_page_and_scores_that_do_not_depend_on_the_language(tmp_path, monkeypatch):
    from orb_widgets.results import county_results

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    results = {}
    for lang in ("en", "es"):
        make_workspace(tmp_path / lang)
        server = start(tmp_path / lang)
        try:
            for k in range(6):
                b = Browser(accept_language="es-MX,es;q=0.9" if lang == "es" else "en-US")
                b.get(server.link())
                assert f'<html lang="{lang}">' in b.page
                if lang == "es":
                    assert "Enviar mis respuestas" in b.page and "Muy de acuerdo" in b.page
                answers = {
                    "role": ["supervisors", "social_workers"][k % 2],
                    **{
                        f"q-{i.id}": str(1 + (k + n) % 5)
                        for n, i in enumerate(server.store.current_instrument(COUNTY).items)
                    },
                }
                b.post(server.link(), answers)
                assert b.url.endswith(f"thanks?lang={lang}")
            res = county_results(server.store, COUNTY, WAVE)
            results[lang] = [(e.element, e.n, e.mean) for e in res.elements]
        finally:
            server.stop()
    assert results["en"] == results["es"] and results["en"][0][1] == 6


def test_three_hundred_sends_at_once_are_all_stored_and_a_double_click_once(folder):
    import concurrent.futures

    from orb_widgets.app import App
    from orb_widgets.survey.service import Writer

    store = App.for_workspace(folder).store
    inst = store.current_instrument(COUNTY)
    writer = Writer(store)
    futures = [
        writer.submit(
            COUNTY, WAVE, inst, build_response(inst, "supervisors", {"A1": 1 + k % 5}, source_key=f"form:{k}")
        )
        for k in range(300)
    ]
    futures.append(
        writer.submit(COUNTY, WAVE, inst, build_response(inst, "supervisors", {"A1": 2}, source_key="form:7"))
    )
    concurrent.futures.wait(futures, timeout=60)
    assert all(f.result() for f in futures)
    assert store.response_count(COUNTY, WAVE) == 300


# ---------------------------------------------------------------- orb survey, orb serve --form
def orb(*args, folder):
    return subprocess.run(
        [sys.executable, "-m", "orb_widgets.cli", *args, "--workspace", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_survey_open_list_close_and_flyer(folder, tmp_path):
    r = orb(
        "survey",
        "open",
        "--county",
        "alder creek county",
        "--wave",
        "2026-fall",
        "--base-url",
        "https://survey.example.gov",
        "--flyer",
        str(tmp_path / "flyer.html"),
        folder=folder,
    )
    assert r.returncode == 0, r.stderr
    url = re.search(r"https://survey\.example\.gov/survey/([\w-]+)", r.stdout)
    assert url and len(url[1]) >= 20
    flyer = (tmp_path / "flyer.html").read_text()
    assert url[0] in flyer and "<svg" in flyer and "Alder Creek County" in flyer and "Español" in flyer
    r = orb("survey", "list", "--base-url", "https://survey.example.gov", folder=folder)
    assert "Alder Creek County | wave 2026-fall | open" in r.stdout and url[0] in r.stdout
    r = orb("survey", "close", url[1], folder=folder)
    assert r.returncode == 0 and "closed" in r.stdout.lower()
    assert "| closed" in orb("survey", "list", folder=folder).stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["survey", "open"], "say which county"),
        (["survey", "open", "--county", "Nowhere"], "no county, municipality or school named 'Nowhere'"),
        (["survey", "close", "nope"], "no survey link 'nope'"),
        (["survey", "open", "--county", COUNTY, "--base-url", "survey.example.gov"], "--base-url must start"),
        (["serve", "--form", "--county", "Nowhere"], "no county, municipality or school named"),
    ],
)
def test_survey_mistakes_get_one_line(folder, args, message):
    r = orb(*args, folder=folder)
    assert r.returncode == 2 and message in r.stderr
    assert r.stderr.startswith("orb: ") and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_serve_form_serves_every_open_link_and_nothing_else(folder):
    import urllib.error
    import urllib.request

    from orb_widgets.app import App
    from orb_widgets.serve import launch

    store = App.for_workspace(folder).store
    a, b = store.open_link(COUNTY, WAVE).token, store.open_link(OTHER, WAVE).token
    with launch(folder, form=True) as served:
        for token in (a, b):
            with urllib.request.urlopen(f"{served.url}survey/{token}") as r:
                assert r.status == 200 and b"Send my answers" in r.read()
        for path in ("voila/render/05-take-assessment.ipynb", "api/kernels", "files/orb.sqlite", "tree"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(served.url + path)
            assert err.value.code == 404
        assert not [p for p in __import__("psutil").Process(served.process.pid).children(recursive=True)]


# ---------------------------------------------------------------- two servers, one database
class _Gate:
    """The store's race hook for two servers' writers, at the moment sent keys were found not stored.

    Each writer's first write waits there until every page has been sent to the servers, so all
    the rest waits in the writers' queues and each writer has exactly one more write (its batch
    holds everything). On PostgreSQL the second writes then meet at a barrier: both servers have
    checked the same pages' keys before either writes. SQLite lets one writer in at a time.
    """

    def __init__(self, postgres: bool):
        self.postgres, self.lock = postgres, threading.Lock()
        self.calls: dict = {}
        self.first = threading.Semaphore(0)
        self.go = threading.Event()
        self.second = threading.Barrier(2, timeout=120)
        self.meet_again = False
        self.inside = self.most_inside = self.met = 0

    def __call__(self, name):
        if name != "responses":
            return
        me = threading.get_ident()
        with self.lock:
            n = self.calls[me] = self.calls.get(me, 0) + 1
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            if n == 1:
                self.first.release()
                assert self.go.wait(300), "the test never let the writers go"
            elif n == 2 and self.meet_again:
                self.second.wait()
                self.met += 1
        finally:
            with self.lock:
                self.inside -= 1


_COUNTING = threading.Lock()


def _count_sends(survey, counted: list, all_in: threading.Event, total: int):
    submit = survey.writer.submit

    def counting(*args):
        future = submit(*args)
        with _COUNTING:
            counted.append(1)
            if len(counted) == total:
                all_in.set()
        return future

    survey.writer.submit = counting


@pytest.mark.slow  # starts two survey servers
def test_two_servers_on_one_database_store_a_page_sent_to_both_once(db_url, monkeypatch):
    """200 pages each sent to both servers at once (a double click reaching two servers behind one
    address) and 300 sent once: 500 stored, and everybody reads the thank-you page."""
    import asyncio
    import urllib.parse

    import tornado.httpclient
    from survey_server import listen

    import orb_widgets.store as store_module
    from orb_widgets.store import Store
    from orb_widgets.store.schema import _ENGINES
    from orb_widgets.survey.app import make_app
    from orb_widgets.survey.service import Survey, SurveyConfig

    make_workspace(None, url=db_url)
    token = Store(db_url).open_link(COUNTY, WAVE).token
    servers, stores = [], []
    for _ in range(2):  # each server its own engine and pool, as two processes would have
        _ENGINES.pop(db_url, None)
        stores.append(Store(db_url))
        survey = Survey(stores[-1], SurveyConfig(instrument_ttl=0, burst=1000))
        survey.writer.max_batch = 1000
        servers.append((survey, *listen(survey, make_app)))
    _ENGINES.pop(db_url, None)
    a, b = (f"{url}survey/{token}" for _, url, _, _ in servers)
    try:
        browser = Browser()
        browser.get(a)
        browser.post(a, ANSWERS)  # the wave's first answer, before the race
        assert "Thank you" in browser.page
        pages = []
        for k in range(499):  # pages loaded from either server (the form's secret is the workspace's)
            browser.get(a if k % 2 else b)
            pages.append(urllib.parse.urlencode({**browser.hidden(), **ANSWERS, "q-A1": str(1 + k % 5)}))
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
        sends = [(url, body) for body in pages[:200] for url in (a, b)]
        sends += [(a if k % 2 else b, body) for k, body in enumerate(pages[200:])]
        gate = _Gate(db_url.startswith("postgresql"))
        monkeypatch.setattr(store_module, "race_hook", gate)
        counted, all_in = [], threading.Event()
        for survey, *_ in servers:
            _count_sends(survey, counted, all_in, len(sends))

        def release():
            assert all_in.wait(300), f"only {len(counted)} of {len(sends)} sends reached the servers"
            if gate.postgres:
                for _ in servers:  # both writers hold their first batch
                    assert gate.first.acquire(timeout=300)
                gate.meet_again = all(survey.writer._q.qsize() for survey, *_ in servers)
            gate.go.set()

        releaser = threading.Thread(target=release)
        releaser.start()

        async def send_all():
            client = tornado.httpclient.AsyncHTTPClient(force_instance=True, max_clients=len(sends))
            try:
                return await asyncio.gather(
                    *(
                        client.fetch(
                            url,
                            method="POST",
                            body=body,
                            headers={"Cookie": cookie},
                            raise_error=False,
                            request_timeout=600,
                            connect_timeout=600,
                        )
                        for url, body in sends
                    )
                )
            finally:
                client.close()

        answers = asyncio.run(send_all())
        releaser.join(10)
        thanked = [
            r.code == 200
            and r.effective_url.endswith("/thanks?lang=en")
            and "Thank you — your answers were saved." in r.body.decode()
            for r in answers
        ]
        assert all(thanked), f"{thanked.count(False)} sends did not see the thank-you page"
        assert Store(db_url).response_count(COUNTY, WAVE) == 1 + 200 + 299
        if gate.postgres:
            assert gate.meet_again and gate.met == 2 and gate.most_inside == 2
        else:
            assert gate.most_inside == 1
    finally:
        for _survey, _url, loop, thread in servers:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        for s in stores:
            s.engine.dispose()
