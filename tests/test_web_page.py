"""The web calculator (issue 17, items 1-3 and 5): the page, its form and result, share
links, downloads, sources; hostile links, uploads and values; and the page driven in
the system's Chromium with scripts on and off (no request leaves 127.0.0.1, no console
error, the total equal to `lcai assess --json` of the same file)."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi", reason="the web extra (lcai[web]) is not installed")

import itertools

from fastapi.testclient import TestClient

import lcai
from lcai.errors import SpecError
from lcai.web import calc, form, state
from lcai.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
_TOTAL = re.compile(r'data-total="(\w+)" data-value="([^"]+)"')
_ALERT = re.compile(r'role="alert"[^>]*>(.*?)</(?:div|p)>', re.S)

# Training on 8 accelerators of 700 W for 10 days (240 h) behind a PUE of 1.2, on a grid
# of 50 gCO2e/kWh: IT 8 x 0.7 kW x 240 h = 1344 kWh; facility 1344 x 1.2 = 1612.8 kWh;
# carbon 1612.8 kWh x 0.05 kg/kWh = 80.64 kg.
HAND_FORM = {
    "form": "1",
    "yaml": "name: hand-worked\n",
    "training.accelerators.type": "H100",
    "training.accelerators.count": "8",
    "training.accelerators.duration": "10 days",
    "training.accelerators.power": "700 W",
    "training.facility.pue": "1.2",
    "grid.co2e_intensity": "50 gCO2e/kWh",
    "samples": "0",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _totals(html: str) -> dict[str, float]:
    return {k: float(v) for k, v in _TOTAL.findall(html)}


def _blob(html: str) -> str:
    m = re.search(r'data-blob="([^"]*)"', html)
    assert m is not None and m.group(1), "the page carries no share blob"
    return m.group(1)


def _alert(html: str) -> str:
    m = _ALERT.search(html)
    assert m is not None, "the page shows no error"
    return re.sub(r"<[^>]+>", "", m.group(1))


def _assess_json(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "lcai.cli.main", "assess", str(path), "--json"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return dict(json.loads(out)["total"])


# --- the share state --------------------------------------------------------------------


def _raw_blob(doc: Any, *, raw: bytes | None = None) -> str:
    data = raw if raw is not None else zlib.compress(json.dumps(doc).encode())
    return "1." + base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_state_round_trip_is_exact() -> None:
    s = state.PageState({"name": "x", "training": {"accelerators": {"count": 0.1 + 0.2}}}, 700,
                        frozenset({"scenarios"}))  # fmt: skip
    totals = {"energy_kwh": 1 / 3, "co2e_kg": 2.5e-17, "co2e_market_kg": None, "water_l": 1e300}
    blob = state.encode(s, lcai_version="0.1.0", catalog_version="2026.2", totals=totals)
    assert re.fullmatch(r"1\.[A-Za-z0-9_-]+", blob)
    got = state.decode(blob)
    assert got.state == s and got.totals == totals
    assert (got.lcai_version, got.catalog_version) == ("0.1.0", "2026.2")
    assert state.encode(s, lcai_version="0.1.0", catalog_version="2026.2", totals=totals) == blob


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                               max_size=4),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=10), _JSON, max_size=6), st.integers(0, 5000))
def test_any_state_round_trips(data: dict[str, Any], samples: int) -> None:
    s = state.PageState(data, samples, frozenset())
    assert state.decode(state.encode(s, lcai_version="v", catalog_version="c")).state == s


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_clear_error_or_a_state(text: str) -> None:
    try:
        state.decode(text)
    except SpecError as exc:
        assert exc.path[0] == "link" and "share link cannot be opened" in exc.message


HOSTILE = {
    "no version": "eNpLTEoGAAJNASc",
    "other version": "2.eNpLTEoGAAJNASc",
    "not base64": "1.abc$def",
    "not zlib": _raw_blob(None, raw=b"plain bytes, not deflated"),
    "truncated": _raw_blob(None, raw=zlib.compress(b'{"v": 1, "a": {}}' * 50)[:-6]),
    "bomb": _raw_blob(None, raw=zlib.compress(b" " * (state.MAX_JSON_BYTES * 16))),
    "too long": "1." + "A" * (state.MAX_BLOB_CHARS + 1),
    "not json": _raw_blob(None, raw=zlib.compress(b"{not json")),
    "NaN": _raw_blob(None, raw=zlib.compress(b'{"v":1,"lcai":"x","catalog":"y","a":{"n":NaN}}')),
    "deep": _raw_blob(None, raw=zlib.compress(b'{"v":1,"a":' + b"[" * 5000 + b"]" * 5000 + b"}")),
    "a list": _raw_blob([1, 2]),
    "assessment not a mapping": _raw_blob({"v": 1, "lcai": "x", "catalog": "y", "a": [1]}),
    "samples too many": _raw_blob({"v": 1, "lcai": "x", "catalog": "y", "a": {}, "n": 10**9}),
    "samples a bool": _raw_blob({"v": 1, "lcai": "x", "catalog": "y", "a": {}, "n": True}),
    "unknown option": _raw_blob({"v": 1, "lcai": "x", "catalog": "y", "a": {}, "o": ["rm"]}),
    "unknown field": _raw_blob({"v": 1, "lcai": "x", "catalog": "y", "a": {}, "x": 1}),
    "total not a number": _raw_blob(
        {"v": 1, "lcai": "x", "catalog": "y", "a": {}, "t": {"co2e_kg": "1"}}
    ),
    "version missing": _raw_blob({"v": 1, "a": {}}),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_links_get_a_clear_message_on_the_page(client: TestClient, name: str) -> None:
    with pytest.raises(SpecError) as err:
        state.decode(HOSTILE[name])
    assert err.value.path[0] == "link"
    r = client.get("/?s=" + quote(HOSTILE[name], safe=""))
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "this share link cannot be opened" in _alert(r.text)
    d = client.get("/download/json?s=" + quote(HOSTILE[name], safe=""))
    assert d.status_code == 422 and "share link cannot be opened" in d.text


def test_a_link_too_large_is_refused_when_made() -> None:
    big = state.PageState({"name": "".join(chr(0x4E00 + i) for i in range(20000))})
    with pytest.raises(SpecError, match="too large for a link"):
        state.encode(big, lcai_version="v", catalog_version="c")
    # compressible, but past what a link may inflate to: refused when made, not when opened
    flat = state.PageState({"name": "a" * (state.MAX_JSON_BYTES + 1)})
    with pytest.raises(SpecError, match="too large for a link"):
        state.encode(flat, lcai_version="v", catalog_version="c")


# --- the form <-> the assessment's data ------------------------------------------------------


def test_form_sets_and_removes_fields_over_the_yaml() -> None:
    base = {"name": "m", "training": {"accelerators": {"type": "A100", "count": 8},
                                      "grid": {"region": "FR"}}}  # fmt: skip
    got = form.apply_form(base, {
        "training.accelerators.count": "16", "training.grid.region": "",
        "usage.inference.input_tokens": "500", "manufacturing.components.0.hardware": "H100",
    })  # fmt: skip
    assert got == {
        "name": "m",
        "training": {"accelerators": {"type": "A100", "count": 16}},
        "usage": {"inference": {"input_tokens": 500}},
        "manufacturing": {"components": [{"hardware": "H100"}]},
    }
    assert base["training"]["grid"] == {"region": "FR"}  # the base is not changed
    assert form.apply_form(got, {"manufacturing.components.0.hardware": ""}) == {
        k: v for k, v in got.items() if k != "manufacturing"
    }
    with pytest.raises(SpecError, match="at most 200 characters"):
        form.apply_form({}, {"name": "x" * 201})


def test_form_values_keep_their_text_and_types() -> None:
    got = form.apply_form({}, {"training.accelerators.tokens": "2T",
                               "training.accelerators.mfu": "0.4",
                               "training.accelerators.count": "1e3",
                               "name": "nan"})  # fmt: skip
    acc = got["training"]["accelerators"]
    assert acc == {"tokens": "2T", "mfu": 0.4, "count": 1000.0} and got["name"] == "nan"
    # a text field keeps a number as text (a model named 2024 stays a name)
    assert form.apply_form({}, {"name": "2024"}) == {"name": "2024"}
    assert form.apply_form({}, {"usage.inference.input_tokens": "500"}) == {
        "usage": {"inference": {"input_tokens": 500}}
    }


def test_every_form_field_is_in_the_schema_with_its_unit() -> None:
    for f in form.FIELDS:
        info = form.field_info(f.path)
        assert info.description, f.path
    assert form.field_info("training.accelerators.duration").dimension == "time"
    assert form.field_info("facility.cooling").choices == ("air", "liquid", "immersion")
    pick = form.pickers()
    assert ("H100-SXM5-80GB" in dict(pick["accelerators"])) and ("FR" in dict(pick["regions"]))


# --- the page over HTTP ---------------------------------------------------------------


def test_the_page_is_local_and_has_no_inline_script_or_style(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script
    assert "<style" not in html and not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    for attr in re.findall(r'\s(?:src|href|action)="([^"]*)"', html):
        assert attr.startswith(("/", "#")) or attr == "", attr
    for asset in ("/static/calc.js", "/static/calc.css", "/report.css"):
        assert client.get(asset).status_code == 200, asset
    # the four phases, the facility/grid, and the catalog's pickers
    for section in ("general", "manufacturing", "training", "annotation", "usage"):
        assert f'id="phase-{section}"' in html
    assert 'list="pick-accelerators"' in html and '<datalist id="pick-regions">' in html
    # the report's charts and tables
    for part in ('data-chart="phases-co2e_kg"', 'data-chart="flow"', 'data-chart="uncertainty"',
                 'data-chart="tornado"', 'id="assumptions"', 'id="bibliography"'):  # fmt: skip
        assert part in html, part
    # one h1 (the page's); the report's own headings one level down, in order
    assert len(re.findall(r"<h1\b", html)) == 1
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels))


def test_the_default_page_equals_assess_json(client: TestClient) -> None:
    shown = _totals(client.get("/").text)
    expected = _assess_json(EXAMPLES / "open-model-lifecycle.yaml")
    assert set(shown) == set(expected)
    for k in expected:
        assert shown[k] == pytest.approx(expected[k], rel=1e-12), k


def test_form_post_gives_the_hand_worked_total(client: TestClient) -> None:
    r = client.post("/", data=HAND_FORM)
    assert r.status_code == 200, _alert(r.text)
    t = _totals(r.text)
    assert t["energy_kwh"] == pytest.approx(1612.8, rel=1e-12)
    assert t["co2e_kg"] == pytest.approx(80.64, rel=1e-12)
    # the fragment (the script's request) gives the same numbers
    frag = client.post("/fragment", data=HAND_FORM)
    assert frag.status_code == 200 and _totals(frag.text) == t
    assert "<html" not in frag.text


def test_hints_show_the_default_and_its_source(client: TestClient) -> None:
    html = client.post("/", data={**HAND_FORM, "training.facility.pue": ""}).text
    hint = re.search(r'data-for="training.facility.pue"[^>]*>(.*?)</small>', html, re.S)
    assert hint is not None
    text = hint.group(1)
    assert "lcai uses" in text and 'href="/sources/' in text
    sid = re.search(r'href="/sources/([^"]+)"', text)
    assert sid is not None and client.get(f"/sources/{sid.group(1)}").status_code == 200
    unit = re.search(r'data-for="training.accelerators.duration"[^>]*>(.*?)</small>', html, re.S)
    assert unit is not None and "time: any unit of it" in unit.group(1)


@pytest.mark.parametrize(
    ("field", "value", "path", "words"),
    [
        ("training.accelerators.count", "-8", "training.accelerators.count", "greater than 0"),
        ("training.accelerators.power", "7 kg", "training.accelerators.power", "power"),
        ("training.facility.pue", "0.5", "training.facility.pue", "greater than or equal"),
        ("training.grid.region", "Atlantis", "training.grid.region", "Atlantis"),
        ("samples", "99999999", "samples", "whole number"),
    ],
)  # fmt: skip
def test_bad_values_show_the_cli_field_path(
    client: TestClient, field: str, value: str, path: str, words: str
) -> None:
    r = client.post("/", data={**HAND_FORM, field: value})
    assert r.status_code == 422
    msg = _alert(r.text)
    assert path in msg and words.lower() in msg.lower(), msg


_BOX_PATHS = [f.path for f in form.FIELDS]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(_BOX_PATHS),
        st.text(max_size=30) | st.sampled_from(["1e999", "-1", "nan", "inf", "0", "1e308 W"]),
        max_size=4,
    )
)
def test_any_typing_gives_a_result_or_a_message(boxes: dict[str, str]) -> None:
    """Whatever is typed in the boxes, the page answers a result (200) or says what is
    wrong (422): never a server error, never a non-finite total."""
    with TestClient(create_app()) as c:
        r = c.post("/fragment", data={**HAND_FORM, **boxes})
    assert r.status_code in (200, 422), r.text[:500]
    if r.status_code == 200:
        assert all(math.isfinite(v) and v >= 0 for v in _totals(r.text).values())
    else:
        assert _alert(r.text)


def test_bad_yaml_and_measured_inputs_are_refused(client: TestClient) -> None:
    r = client.post("/", data={**HAND_FORM, "yaml": "name: [unclosed\n"})
    assert r.status_code == 422 and "assessment.yaml" in _alert(r.text)
    r = client.post("/", data={**HAND_FORM, "yaml": "a: &x [1]\nb: *x\nc: *x\n" + "d: 1\n"})
    assert r.status_code == 422
    measured = "name: m\ntraining:\n  measured: {runs: ['/etc/passwd']}\n"
    r = client.post("/", data={"form": "1", "yaml": measured, "samples": "0"})
    assert r.status_code == 422 and "training.measured" in _alert(r.text)
    assert "refused by the web calculator" in _alert(r.text)


def test_the_page_escapes_what_the_user_types(client: TestClient) -> None:
    evil = '<script>alert(1)</script>"><img src=x>'
    r = client.post("/", data={**HAND_FORM, "name": evil})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x>" not in r.text
    r = client.get("/sources/" + quote("<b>x</b>", safe=""))
    assert r.status_code == 404 and "<b>x</b>" not in r.text


def test_a_state_too_large_to_share_is_shown_without_a_link(client: TestClient) -> None:
    words = " ".join(f"w{i:05d}x{(i * 7919) % 100003}" for i in range(6000))
    r = client.post("/", data={**HAND_FORM, "yaml": f"name: h\ndescription: {words}\n"})
    assert r.status_code == 200 and _totals(r.text)["co2e_kg"] == pytest.approx(80.64)
    assert "too large for a link" in r.text and 'href="None"' not in r.text
    assert 'id="share"' not in r.text


def test_share_link_reproduces_and_says_so(client: TestClient) -> None:
    r = client.post("/", data=HAND_FORM)
    blob = _blob(r.text)
    again = client.get("/?s=" + quote(blob, safe=""))
    assert again.status_code == 200 and _totals(again.text) == _totals(r.text)
    assert "reproduces the result it was made with, exactly" in again.text


def test_share_link_of_another_catalog_says_what_changed(client: TestClient) -> None:
    blob = _blob(client.post("/", data=HAND_FORM).text)
    shared = state.decode(blob)
    assert shared.totals is not None and shared.figures == {
        "training.grid.water_intensity": 4.81,
        "training.facility.wue": 0.84,
    }
    moved = {**shared.totals, "co2e_kg": 99.0}
    figures = {**shared.figures, "training.facility.wue": 1.8}
    old = state.encode(
        shared.state, lcai_version="0.0.9", catalog_version="2025.1", totals=moved,
        figures=figures,
    )  # fmt: skip
    html = client.get("/?s=" + quote(old, safe="")).text
    notes = " ".join(re.findall(r'<p class="notice">(.*?)</p>', html, re.S))
    assert "made with catalog 2025.1" in notes and calc.catalog_version() in notes
    assert "made with lcai 0.0.9" in notes
    assert "differs" in notes and "co2e_kg: 99 kgCO2e when shared, 80.64 kgCO2e now" in notes
    assert "training.facility.wue: 1.8 then, 0.84 now" in notes
    assert "water_intensity" not in notes  # unchanged figures are not listed


def test_every_example_and_validation_case_loads(client: TestClient) -> None:
    names = list(calc.examples())
    assert {"open-model-lifecycle", "bloom-176b", "source-article"} <= set(names)
    for name in names:
        r = client.get(f"/?example={name}")
        assert r.status_code == 200 and _totals(r.text), name
    cases = calc.validation_cases()
    assert len(cases) >= 10
    for case in list(cases)[:6]:
        r = client.get("/?case=" + quote(case))
        assert r.status_code == 200 and _totals(r.text), case
    assert client.get("/?example=../../etc/passwd").status_code == 404
    assert client.get("/?case=nope").status_code == 404


def test_without_the_examples_the_page_starts_from_a_starter(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calc, "examples_dir", lambda: None)
    r = client.get("/")
    assert r.status_code == 200 and _totals(r.text)["energy_kwh"] > 0
    assert client.get("/?example=bloom-176b").status_code == 404


def test_downloads_of_every_format(client: TestClient, tmp_path: Path) -> None:
    blob = quote(_blob(client.post("/", data=HAND_FORM).text), safe="")
    for fmt, (_, name, _) in calc.DOWNLOADS.items():
        r = client.get(f"/download/{fmt}?s={blob}")
        assert r.status_code == 200, (fmt, r.text[:300])
        assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert len(r.content) > 100, fmt
    yaml_file = tmp_path / "assessment.yaml"
    yaml_file.write_bytes(client.get(f"/download/yaml?s={blob}").content)
    result = json.loads(client.get(f"/download/json?s={blob}").content)
    assert result["total"] == _assess_json(yaml_file)
    assert result["total"]["co2e_kg"] == pytest.approx(80.64, rel=1e-12)
    html = client.get(f"/download/html?s={blob}").text
    assert html.startswith("<!DOCTYPE html>") and 'id="scenarios"' in html
    assert json.loads(client.get(f"/download/cyclonedx?s={blob}").content)["bomFormat"]
    assert client.get(f"/download/exe?s={blob}").status_code == 422


def test_upload_an_assessment_file(client: TestClient) -> None:
    text = (EXAMPLES / "bloom-176b.yaml").read_bytes()
    r = client.post("/upload", files={"file": ("bloom.yaml", text, "application/yaml")})
    assert r.status_code == 200
    assert _totals(r.text)["co2e_kg"] == pytest.approx(
        lcai.assess_file(EXAMPLES / "bloom-176b.yaml").total.co2e_kg, rel=1e-12
    )
    toml = b'name = "t"\n[training.accelerators]\ntype = "H100"\ncount = 8\nduration = "1 day"\n'
    r = client.post("/upload", files={"file": ("a.toml", toml, "application/toml")})
    assert r.status_code == 200 and _totals(r.text)
    bad = b"name: x\ntraining:\n  accelerators: {type: H100, count: many}\n"
    r = client.post("/upload", files={"file": ("../../bad.yaml", bad, "application/yaml")})
    msg = _alert(r.text)
    assert r.status_code == 422 and "training.accelerators.count" in msg
    assert "../" not in msg
    big = b"name: x\n" + b"#" * (calc.MAX_TEXT_BYTES + 10)
    r = client.post("/upload", files={"file": ("big.yaml", big, "application/yaml")})
    assert r.status_code == 422 and "larger than" in _alert(r.text)
    r = client.post("/upload", files={"file": ("x.yaml", b"\xff\xfe\x00", "application/yaml")})
    assert r.status_code == 422 and "UTF-8" in _alert(r.text)


# --- in the system's Chromium -------------------------------------------------------------

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    path = os.environ.get("LCAI_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The real app, served by uvicorn on a free port of 127.0.0.1 in a thread."""
    uvicorn = pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


def _artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LCAI_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _Watch:
    """Every request a page makes and every console error it logs."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self, base: str) -> None:
        assert self.requests, "no request recorded"
        assert [u for u in self.requests if not u.startswith(base + "/")] == []
        assert self.errors == []


def _shown(page: Any) -> dict[str, float]:
    cards = page.eval_on_selector_all(
        "#result [data-total]", "els => els.map(e => [e.dataset.total, Number(e.dataset.value)])"
    )
    return dict(cards)


def test_calculator_in_chromium(server: str, browser: Any, tmp_path: Path) -> None:
    """Pick an accelerator, set counts and a region, see the total equal `lcai assess
    --json` of the same file; follow the share link; load an example."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    watch = _Watch(page)
    page.goto(server + "/")
    assert page.get_attribute("html", "data-enhanced") == "1"
    assert page.url.startswith(server + "/?s=1.")  # the state is in the address bar
    # the accelerator from the picker (a datalist), the counts and the region, as typed
    acc = page.eval_on_selector_all("#pick-accelerators option", "els => els.map(e => e.value)")
    assert "H100-SXM5-80GB" in acc
    page.fill("#f-training-accelerators-type", "H100-SXM5-80GB")
    page.fill("#f-training-accelerators-count", "1024")
    page.fill("#f-usage-inference-input_tokens", "800")
    page.fill("#f-training-grid-region", "")
    page.type("#f-training-grid-region", "FR", delay=30)
    _wait_for(page, "region: FR", after="training:")
    shown = _shown(page)
    share = page.url
    assert share.startswith(server + "/?s=1.")
    yaml_file = tmp_path / "page.yaml"
    blob = share.split("?s=", 1)[1]
    yaml_file.write_bytes(page.request.get(f"{server}/download/yaml?s={blob}").body())
    text = yaml_file.read_text()
    assert "H100-SXM5-80GB" in text and "count: 1024" in text and "region: FR" in text
    expected = _assess_json(yaml_file)
    assert set(shown) == set(expected) and "co2e_market_kg" in shown
    for k in expected:
        assert shown[k] == pytest.approx(expected[k], rel=1e-9, abs=0), k
    art = _artifacts(tmp_path)
    page.screenshot(path=str(art / "calculator.png"), full_page=True)
    print(f"screenshot: {art / 'calculator.png'}")
    # edit the YAML: it alone is the state, and the boxes follow it
    page.click("#yaml-box summary")
    page.fill("#f-yaml", (EXAMPLES / "bloom-176b.yaml").read_text())
    _wait_for(page, "BLOOM-176B")
    assert page.input_value("#f-name").startswith("BLOOM-176B")
    assert page.input_value("#f-usage-deployment") == ""  # bloom has no usage phase
    bloom_total = _assess_json(EXAMPLES / "bloom-176b.yaml")["co2e_kg"]
    assert _shown(page)["co2e_kg"] == pytest.approx(bloom_total, rel=1e-9)
    # follow the share link in a fresh page: the same totals, and it says so
    other = browser.new_page()
    watch2 = _Watch(other)
    other.goto(share)
    assert _shown(other) == shown
    assert "reproduces the result it was made with, exactly" in other.inner_text(".notice")
    # load an example (a GET form)
    other.select_option("#example", "bloom-176b")
    other.click("#load-example")
    other.wait_for_load_state("load")
    bloom = _assess_json(EXAMPLES / "bloom-176b.yaml")
    got = _shown(other)
    assert got["co2e_kg"] == pytest.approx(bloom["co2e_kg"], rel=1e-9)
    watch.check(server)
    watch2.check(server)
    assert (art / "calculator.png").stat().st_size > 20_000


def _wait_for(page: Any, text: str, after: str = "") -> None:
    """Wait until the result shown was computed from a state whose YAML holds ``text``
    (after ``after``), and no request is pending."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        yaml = page.get_attribute("#result-state", "data-yaml") or ""
        tail = yaml.split(after, 1)[-1] if after else yaml
        if text in tail and not page.is_visible("#busy"):
            return
        time.sleep(0.1)
    raise AssertionError("the result did not update")


def test_calculator_without_scripts(server: str, browser: Any, tmp_path: Path) -> None:
    """Scripts off: the form posts and the server renders the result."""
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    watch = _Watch(page)
    page.goto(server + "/?example=bloom-176b")
    assert page.get_attribute("html", "data-enhanced") is None
    page.fill("#f-training-facility-pue", "1.1")
    page.click("#calculate")
    page.wait_for_load_state("load")
    assert page.url == server + "/"
    shown = _shown(page)
    href = page.get_attribute("#share", "href")
    assert href is not None and href.startswith("/?s=1.")
    yaml_file = tmp_path / "noscript.yaml"
    yaml_file.write_bytes(page.request.get(server + "/download/yaml" + href[1:]).body())
    assert "pue: 1.1" in yaml_file.read_text()
    expected = _assess_json(yaml_file)
    assert set(shown) == set(expected) and "co2e_kg" in shown
    for k in expected:
        assert shown[k] == pytest.approx(expected[k], rel=1e-9), k
    page.screenshot(path=str(_artifacts(tmp_path) / "noscript.png"), full_page=False)
    watch.check(server)
    ctx.close()
