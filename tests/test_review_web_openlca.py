"""Review of the web layer (lcai.web) and the openLCA exporter: hostile or demanding input
that ends in a 500 instead of a clear 4xx, share links that do not open again, and
openLCA zips whose data contradict the reference data or other exports."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from fastapi.testclient import TestClient

from lcai.web.app import create_app

SMALL: dict[str, Any] = {
    "name": "review",
    "training": {
        "accelerators": {"type": "H100", "count": 8, "duration": "10 days"},
        "grid": {"region": "FR"},
    },
}
SMALL_YAML = """\
name: review
training:
  accelerators: {type: H100, count: 8, duration: 10 days}
  grid: {region: FR}
"""


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def _blob(doc: dict[str, Any]) -> str:
    """A share link's blob as lcai.web.state.encode writes one (any content)."""
    raw = zlib.compress(json.dumps(doc).encode("utf-8"), 9)
    return "1." + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _link(**fields: Any) -> str:
    doc = {"v": 1, "lcai": "0.1.0", "catalog": "x", "a": SMALL, "n": 0, "o": []}
    return _blob({**doc, **fields})


def _is_html_4xx(r: Any) -> bool:
    return 400 <= r.status_code < 500 and r.headers["content-type"].startswith("text/html")


# share links


_HUGE = 10**400  # 401 digits: JSON reads it, float() overflows


@pytest.mark.parametrize(
    "fields",
    [
        {"t": {"energy_kwh": _HUGE}},
        {"f": {"training.accelerators.power": _HUGE}},
        {"a": {**SMALL, "training": {**SMALL["training"], "accelerators": {
            "type": "H100", "count": _HUGE, "duration": "10 days"}}}},
    ],
    ids=["totals", "figures", "assessment"],
)  # fmt: skip
def test_a_share_link_with_a_huge_integer_is_a_clear_error(
    fields: dict[str, Any], client: TestClient
) -> None:
    """A link whose recorded totals or figures (state._totals/_figures: float(x)) or whose
    assessment (units.parse_quantity: float(text)) holds an integer past 1e308 answers a
    500 (OverflowError) on the page and on every download. Expected: the page's message
    (400 for a damaged link, 422 for an assessment lcai refuses), as for any bad link."""
    s = _link(**fields)
    page = client.get("/", params={"s": s})
    assert _is_html_4xx(page), (page.status_code, page.text[:200])
    down = client.get("/download/json", params={"s": s})
    assert _is_html_4xx(down), (down.status_code, down.text[:200])


def test_a_share_link_with_a_lone_surrogate_is_a_clear_error(client: TestClient) -> None:
    """JSON may escape a lone surrogate (``"\\ud800"``): state.decode accepts it, and the
    page then fails to encode its own HTML or blob as UTF-8 (UnicodeEncodeError, 500).
    Expected: the link is refused as damaged (400, the page's message), as the API
    refuses the same name with a 422."""
    s = _link(a={**SMALL, "name": "x\ud800y"})
    r = client.get("/", params={"s": s})
    assert _is_html_4xx(r), (r.status_code, r.text[:200])


def test_a_share_link_the_page_offers_opens_again() -> None:
    """view.outcome makes a link for a valid assessment holding more than
    state.MAX_VALUES (5,000) values (here 5,100 annotation devices: 2 kB of link), but
    state.decode refuses that very link ("it holds more than 5000 values"): encode does
    not apply decode's bounds (values, depth). Expected: a link offered by the page opens
    again to the same state (or no link is offered, with the 'too large' notice)."""
    from lcai.web import view
    from lcai.web.state import PageState, decode

    data = {"name": "many devices", "annotation": {"grid": {"region": "KE"}, "annotators": 10,
            "hours": "100 h", "devices": ["laptop"] * 5100}}  # fmt: skip
    out = view.outcome(PageState(data, 0, frozenset()))
    assert out.error is None, out.error
    if out.blob is None:
        assert any("too large" in n for n in out.notices)
        return
    assert decode(out.blob).state.assessment == data


# the form and uploads


@pytest.mark.parametrize(
    "samples", ["\u00b2", "1" + "0" * 5000], ids=["superscript", "5001-digits"]
)
def test_the_samples_box_is_a_message_never_a_bug(samples: str, client: TestClient) -> None:
    """pages._int checks ``str.isdigit()`` and then calls ``int()``: '²' is a digit to
    isdigit but not to int, and 5,001 digits exceed Python's int-parsing limit (4,300),
    so both are a ValueError and a 500 on POST / and /fragment. Expected: 422 with the
    page's message "expected a whole number from 0 to 5000" (e.g. check
    ``t.isascii() and t.isdigit() and len(t) <= 6``)."""
    for path in ("/fragment", "/"):
        r = client.post(path, data={"yaml": SMALL_YAML, "samples": samples})
        assert _is_html_4xx(r), (path, r.status_code, r.text[:200])
        assert "whole number" in r.text


@pytest.mark.parametrize(
    "extra",
    [
        "functional_unit: 2024-01-01\n",
        "description: !!binary aGVsbG8=\n",
        "description: !!set {a, b}\n",
        "description: .nan\n",
        "description: .inf\n",
    ],
    ids=["date", "binary", "set", "nan", "inf"],
)
def test_yaml_values_json_cannot_hold_are_a_message(extra: str, client: TestClient) -> None:
    """A YAML box (or uploaded file) with a date, bytes, a set, .nan or .inf is refused
    by the reader or the schema, but view.outcome then made the share blob with
    ``json.dumps(..., allow_nan=False)`` (state.encode) outside its try, so the page and
    the fragment answer 500 (TypeError / ValueError) instead of the field's message.
    Expected: 422 with the error (and no share link where the state cannot be one)."""
    text = SMALL_YAML + extra
    r = client.post("/fragment", data={"yaml": text, "samples": "0"})
    # bytes (!!binary) and sets are refused by the reader now, at their line
    assert _is_html_4xx(r), (r.status_code, r.text[:200])
    up = client.post("/upload", files={"file": ("a.yaml", text.encode(), "application/yaml")})
    assert _is_html_4xx(up), (up.status_code, up.text[:200])


def test_a_huge_integer_in_the_yaml_is_a_message(client: TestClient) -> None:
    """``count: 1000...0`` (401 digits) in the YAML box or a TOML upload reaches
    units.parse_quantity, whose ``float(text)`` raises OverflowError: a 500 (and the CLI's
    'internal error' for the same file). Expected: 422 "... is out of range", as the
    API gives for a body (limits.parse_json bounds integers)."""
    big = "1" + "0" * 400
    text = SMALL_YAML.replace("count: 8", f"count: {big}")
    r = client.post("/fragment", data={"yaml": text, "samples": "0"})
    assert _is_html_4xx(r), (r.status_code, r.text[:200])
    toml = (f'name = "x"\n[training.accelerators]\ntype = "H100"\ncount = {big}\n'
            'duration = "10 days"\n')  # fmt: skip
    up = client.post("/upload", files={"file": ("a.toml", toml.encode(), "application/toml")})
    assert _is_html_4xx(up), (up.status_code, up.text[:200])


def test_a_toml_upload_nested_past_the_limit_is_refused(client: TestClient) -> None:
    """calc.parse_text bounds YAML's nesting (reading.MAX_DEPTH, 64 levels) but not
    TOML's: a 5 kB TOML file of arrays nested a few hundred deep (below tomllib's own
    RecursionError) reaches calc.to_yaml, whose yaml.safe_dump recurses past Python's
    limit: RecursionError, a 500. Expected: 422 "nests deeper than 64 levels" (check the
    TOML data's shape as limits.parse_json does for a body)."""
    for depth in (350, 400, 450):
        toml = 'name = "x"\nnote = ' + "[" * depth + "1" + "]" * depth + "\n"
        r = client.post("/upload", files={"file": ("deep.toml", toml.encode(), "text/plain")})
        assert _is_html_4xx(r), (depth, r.status_code, r.text[:200])
        assert "nest" in r.text, depth


# openLCA


def _export(tmp_path: Path, name: str, text: str) -> Path:
    from lcai.api import plan_file
    from lcai.outputs.lca import inventory_of
    from lcai.outputs.lca.openlca import write_openlca

    src = tmp_path / f"{name}.yaml"
    src.write_text(text, encoding="utf-8")
    return write_openlca(inventory_of(plan_file(src)), tmp_path / f"{name}.zip")


def test_openlca_units_of_energy_agree_with_openlcas_reference_data(tmp_path: Path) -> None:
    """The zip wrote a UnitGroup under openLCA's own id of 'Units of energy' whose only
    unit was kWh, marked as the reference unit with conversion factor 1; in openLCA's
    reference data that group's reference unit is MJ and 1 kWh = 3.6 MJ: an import that
    updates existing entities would rewrite the database's energy unit group. Expected:
    openLCA's reference groups and flow properties are referred to by their ids, never
    written; lcai's own unit (GB) comes with its group."""
    o = pytest.importorskip("olca_schema")
    from olca_schema import zipio

    out = _export(tmp_path, "energy", SMALL_YAML)
    with zipio.ZipReader(out) as r:
        for unit in ("kWh", "kg", "m3", "h", "Item(s)"):
            assert r.read_unit_group(o.units.group_ref(unit).id) is None, unit
            assert r.read_flow_property(o.units.property_ref(unit).id) is None, unit
        energy = o.units.property_ref("kWh").id
        flows = list(r.read_each(o.Flow))
        kwh = [f for f in flows if f.flow_properties[0].flow_property.id == energy]
        assert kwh, "no flow in kWh refers to openLCA's Energy property"
        assert {g.name for g in r.read_each(o.UnitGroup)} <= {"Units of data (lcai)"}


def test_openlca_ids_of_different_assessments_do_not_collide(tmp_path: Path) -> None:
    """Process and flow ids are uuid5(assessment name, activity code) with codes such as
    'item:0' or a grid's parameter keys: two different assessments of the same name (the
    page's starter is 'My model'; a baseline and its variant) give processes of the same
    id with different exchanges, and all entities carry version 01.00.000. Imported into
    one openLCA database, one silently stands for the other. Expected: an id names one
    content (e.g. fold a digest of the inventory into the namespace), so exporting the
    same assessment again still gives the same ids."""
    o = pytest.importorskip("olca_schema")
    from olca_schema import zipio

    a = _export(tmp_path, "a", SMALL_YAML.replace("name: review", "name: My model"))
    b_text = SMALL_YAML.replace("name: review", "name: My model").replace("FR", "DE")
    b = _export(tmp_path, "b", b_text.replace("count: 8", "count: 16"))

    def processes(path: Path) -> dict[str, list[tuple[str, float]]]:
        with zipio.ZipReader(path) as r:
            return {p.id: sorted((e.flow.id, e.amount) for e in p.exchanges)
                    for p in r.read_each(o.Process)}  # fmt: skip

    pa, pb = processes(a), processes(b)
    clashes = [i for i in set(pa) & set(pb) if pa[i] != pb[i]]
    assert not clashes, f"{len(clashes)} process ids name different processes"


def test_openlca_product_system_gives_lcais_totals_market_based_included(tmp_path: Path) -> None:
    """(Passes; the existing tests check the zip's structure only.) The product system
    read back with olca-schema and solved as openLCA does (technology matrix from the
    processes' exchanges and default providers, input elementary flows negated in B and
    in the factors) gives lcai's location-based and market-based carbon and its water."""
    o = pytest.importorskip("olca_schema")
    np = pytest.importorskip("numpy")
    from olca_schema import zipio

    from lcai.api import plan_file
    from lcai.outputs.lca import inventory_of
    from lcai.outputs.lca.openlca import write_openlca
    from tests.conftest import EXAMPLES

    inv = inventory_of(plan_file(EXAMPLES / "open-model-lifecycle.yaml"))
    assert inv.co2e_market_kg is not None
    out = write_openlca(inv, tmp_path / "om.zip")
    with zipio.ZipReader(out) as r:
        procs = list(r.read_each(o.Process))
        (system,) = list(r.read_each(o.ProductSystem))
        flows = {f.id: f for f in r.read_each(o.Flow)}
        cats = {c.name: c for c in r.read_each(o.ImpactCategory)}
    col = {p.id: j for j, p in enumerate(procs)}
    elem = sorted({f for f, x in flows.items() if x.flow_type == o.FlowType.ELEMENTARY_FLOW})
    row = {f: i for i, f in enumerate(elem)}
    a = np.zeros((len(procs), len(procs)))
    b = np.zeros((len(elem), len(procs)))
    for p in procs:
        j = col[p.id]
        for e in p.exchanges:
            sign = -1.0 if e.is_input else 1.0
            if e.flow.id in row:
                b[row[e.flow.id], j] += sign * e.amount
            elif e.is_quantitative_reference:
                a[j, j] += e.amount
            else:
                a[col[e.default_provider.id], j] += sign * e.amount
    demand = np.zeros(len(procs))
    demand[col[system.ref_process.id]] = system.target_amount
    g = b @ np.linalg.solve(a, demand)
    inputs = {e.flow.id for p in procs for e in p.exchanges if e.is_input}

    def score(name: str) -> float:
        c = cats[name]
        return sum(f.value * g[row[f.flow.id]] * (-1 if f.flow.id in inputs else 1)
                   for f in c.impact_factors)  # fmt: skip

    by_start = {n.split(" - ")[0].split(" (")[0]: n for n in cats}
    assert score(by_start["climate change"]) == pytest.approx(inv.co2e_kg, rel=1e-9)
    market = by_start["climate change, market-based"]
    assert score(market) == pytest.approx(inv.co2e_market_kg, rel=1e-9)
    assert score(by_start["water consumption"]) * 1000 == pytest.approx(inv.water_l, rel=1e-9)
