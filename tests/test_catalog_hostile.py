"""Hostile input to the catalog features: user catalog folders (``--catalog-dir``,
``LCAI_CATALOG_DIR``), ``lcai data diff``, ``lcai assess --catalog-diff``, the file's own
``hardware:`` and the disclosures (``lcai report --format hf-card|sci|ai-act``).

What docs/security.md promises, checked case by case: bad input gives exit status 2 and
one line on stderr (``error: ...``) naming the file (and line or field where known); never
a traceback or ``internal error`` (exit 70); nothing written before is changed, and no file
appears; reading is bounded; output is escaped. A valid but wrong catalog must not give
wrong numbers with exit status 0.

A case that shows a bug is marked ``xfail(strict=True, reason="bug: ...")``: the assertion
is what should hold, and the mark goes when the bug is fixed.

Every test leaves the catalog as it found it: the autouse fixture puts back the packaged
catalog (``user.use()``) and checks no file's hardware rows are left over.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lcai
from lcai import catalog
from lcai.catalog import user
from lcai.errors import DataError, LcaiError
from tests.test_bad_input import run_cli

HEADER = "key,label,quantity,value,unit,year,source_id,note\n"
SOURCE = "mine2025:\n  title: My utility's 2025 disclosure\n  authors: My utility\n  year: 2025\n"
FR_ROW = "FR,France (supplier),co2e_intensity,20,gCO2e/kWh,2025,mine2025,supplier figure\n"
YIELD_ROW = "wafer_fab,Wafer (mine),fab_yield,{v},1,2025,mine2025,my fab\n"
TRAIN = (
    "name: t\ntraining:\n  grid: {region: FR}\n  accelerators: {type: H100, gpu_hours: 1000 h}\n"
)
SENTINEL = "old output: a failed run must leave this file as it is\n"
PACKAGED = Path(str(resources.files("lcai") / "data"))


def bug(reason: str) -> pytest.MarkDecorator:
    """A known bug in lcai: the case must fail until it is fixed (then remove the mark)."""
    return pytest.mark.xfail(strict=True, reason=f"bug: {reason}")


@pytest.fixture(autouse=True)
def _packaged_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts and ends on the packaged catalog, with no environment folder."""
    monkeypatch.delenv(user.ENV, raising=False)
    user.use()
    yield
    monkeypatch.delenv(user.ENV, raising=False)
    user.use()
    assert user.base_dir() is None and user.overlay_dir() is None
    assert not user._state["rows"], "a file's hardware rows were left over the catalog"


# -- helpers ---------------------------------------------------------------------------


def folder(root: Path, tables: dict[str, str] | None = None, source: str = SOURCE) -> Path:
    """A user catalog folder ``root/mycat`` with ``tables`` (name -> CSV body) and one
    sources file."""
    d = root / "mycat"
    (d / "tables").mkdir(parents=True)
    (d / "sources").mkdir()
    for name, body in (tables or {}).items():
        (d / "tables" / name).write_text(body, encoding="utf-8")
    (d / "sources" / "mine.yaml").write_text(source, encoding="utf-8")
    return d


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: a file's bytes, else its kind (FIFO, link, folder)."""
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link -> " + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        elif p.is_file():
            out[rel] = p.read_bytes()
        else:
            out[rel] = "special"
    return out


def assert_bad_input(code: int, err: str, *names: str) -> None:
    """Exit 2, one line starting 'error:', naming each of ``names``, no traceback."""
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 2, (code, err)
    assert err.count("\n") == 1 and err.startswith("error: "), repr(err)
    for n in names:
        assert n in err, (n, err)


def cli_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], *, output: bool = True
) -> tuple[int, str, str]:
    """Run the CLI with an output file holding a sentinel; check nothing changed under
    ``tmp_path`` (files, links, FIFOs) when the run fails."""
    out = tmp_path / "old-output.json"
    out.write_text(SENTINEL)
    before = snapshot(tmp_path)
    code, stdout, err = run_cli([*args, "-o", str(out)] if output else args, capsys)
    if code != 0:
        assert snapshot(tmp_path) == before, "a failed run changed files"
    return code, stdout, err


def assess_with(tmp_path: Path, capsys: pytest.CaptureFixture[str], d: Path) -> tuple[int, str]:
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, _, err = cli_case(tmp_path, capsys, ["--catalog-dir", str(d), "assess", str(f), "--json"])
    return code, err


def assess_file(f: Path) -> lcai.Result:
    """The result of the assessment file ``f`` (API)."""
    from lcai.api import assess_source
    from lcai.spec.loading import load_source

    return assess_source(load_source(f))


def packaged_co2e(tmp_path: Path) -> float:
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    return assess_file(f).total.co2e_kg


def bomb(levels: int, indent: str = "") -> str:
    """YAML anchors, each a list of ten aliases of the one before: 10**(levels+1) leaves."""
    lines = [f"{indent}a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1} "] * 10) + "]")
    return "\n".join(lines) + "\n"


# -- a hostile user folder: exit 2, naming the file --------------------------------------

Builder = Callable[[Path], Path]


def _bom_crlf(root: Path) -> Path:
    d = folder(root)
    (d / "tables" / "grid_intensity.csv").write_bytes(
        b"\xef\xbb\xbf" + (HEADER + FR_ROW).replace("\n", "\r\n").encode()
    )
    return d


def _non_utf8(root: Path) -> Path:
    d = folder(root)
    (d / "tables" / "grid_intensity.csv").write_bytes(
        (HEADER + FR_ROW).replace("France", "Fr\xe9").encode("latin-1")
    )
    return d


def _fifo(root: Path) -> Path:
    d = folder(root)
    os.mkfifo(d / "tables" / "grid_intensity.csv")
    return d


def _dev_zero(root: Path) -> Path:
    d = folder(root)
    (d / "tables" / "grid_intensity.csv").symlink_to("/dev/zero")
    return d


def _csv_is_a_folder(root: Path) -> Path:
    d = folder(root)
    (d / "tables" / "grid_intensity.csv").mkdir()
    return d


def _huge(root: Path) -> Path:
    d = folder(root)
    with (d / "tables" / "grid_intensity.csv").open("wb") as fh:  # sparse: no disk used
        fh.write(HEADER.encode())
        fh.truncate(user.MAX_BYTES + 1)
    return d


def _tables(body: str, name: str = "grid_intensity.csv") -> Builder:
    return lambda root: folder(root, {name: HEADER + body})


def _source(text: str) -> Builder:
    def build(root: Path) -> Path:
        d = folder(root, {"grid_intensity.csv": HEADER + FR_ROW})
        (d / "sources" / "extra.yaml").write_text(text, encoding="utf-8")
        return d

    return build


def _card(text: str) -> Builder:
    def build(root: Path) -> Path:
        d = folder(root, {"grid_intensity.csv": HEADER + FR_ROW})
        (d / "tables" / "grid_intensity.yaml").write_text(text, encoding="utf-8")
        return d

    return build


HOSTILE_FOLDERS: list[object] = [
    pytest.param(_bom_crlf, "grid_intensity.csv", id="bom-crlf"),
    pytest.param(_non_utf8, "grid_intensity.csv", id="latin-1"),
    pytest.param(_fifo, "grid_intensity.csv", id="fifo"),
    pytest.param(_dev_zero, "grid_intensity.csv", id="symlink-dev-zero"),
    pytest.param(_csv_is_a_folder, "grid_intensity.csv", id="csv-is-a-folder"),
    pytest.param(_huge, "grid_intensity.csv", id="huge"),
    pytest.param(_tables(FR_ROW.replace(",20,", ",nan,")), "grid_intensity.csv:2", id="nan-value"),
    pytest.param(
        _tables(FR_ROW.replace(",20,", ",1e999,")), "grid_intensity.csv:2", id="inf-value"
    ),
    pytest.param(_tables(FR_ROW.replace(",20,", ",abc,")), "grid_intensity.csv:2", id="text-value"),
    pytest.param(
        _tables(FR_ROW.replace(",2025,", ",1850,")), "grid_intensity.csv:2", id="year-1850"
    ),
    pytest.param(
        _tables(FR_ROW.replace("mine2025", "nobody")), "grid_intensity.csv:2", id="no-source"
    ),
    pytest.param(_tables(FR_ROW.replace("FR,", ",")), "grid_intensity.csv:2", id="empty-key"),
    pytest.param(_tables(FR_ROW + "XX\n"), "grid_intensity.csv:3", id="short-row"),
    pytest.param(
        _source("nvidia2021a100datasheet:\n  title: X\n"), "extra.yaml", id="packaged-source-id"
    ),
    pytest.param(_source("x2025: [1]\n"), "extra.yaml", id="source-not-a-mapping"),
    pytest.param(_source("- a\n- b\n"), "extra.yaml", id="sources-a-list"),
    pytest.param(_card("- a\n"), "grid_intensity.yaml", id="card-a-list"),
    # bugs: an internal error (exit 70) or nothing said (exit 0)
    pytest.param(_source("a: [\n"), "extra.yaml", id="sources-yaml-syntax"),
    pytest.param(_source("x2025:\n  title: X\n  year: abc\n"), "extra.yaml", id="source-year-text"),
    pytest.param(_source("x2025:\n  title: X\n  year: [1]\n"), "extra.yaml", id="source-year-list"),
    pytest.param(
        _source("x2025:\n  title: X\nx2025:\n  title: Y\n"), "extra.yaml", id="source-duplicate-key"
    ),
    pytest.param(
        _source("x2025:\n  year: 2025\n  stuff:\n" + bomb(5, "    ") + "  title: *a5\n"),
        "extra.yaml",
        id="sources-yaml-bomb",
    ),
    pytest.param(_card("a: [\n"), "grid_intensity.yaml", id="card-yaml-syntax"),
    pytest.param(_card("aliases: [1, 2]\n"), "grid_intensity.yaml", id="card-aliases-a-list"),
    pytest.param(_card("aliases: {France2: NOPE}\n"), "grid_intensity.yaml", id="card-stale-alias"),
    pytest.param(
        _tables(FR_ROW + FR_ROW.replace(",20,", ",900,")),
        "grid_intensity.csv:3",
        id="duplicate-row",
    ),
    pytest.param(
        _tables(FR_ROW.replace("supplier figure", "supplier figure, 2025 edition")),
        "grid_intensity.csv:2",
        id="extra-column",
    ),
    pytest.param(
        _tables(FR_ROW.replace(",20,", ",-20,")), "grid_intensity.csv:2", id="negative-grid-factor"
    ),
    pytest.param(
        _tables("industry_average,avg,pue,0.5,1,2025,mine2025,\n", "facility.csv"),
        "facility.csv:2",
        id="pue-below-1",
    ),
    pytest.param(
        _tables("industry_average,avg,wue,-3,L/kWh,2025,mine2025,\n", "facility.csv"),
        "facility.csv:2",
        id="negative-wue",
    ),
    pytest.param(
        _tables(FR_ROW.replace("gCO2e/kWh", "kWh")),
        "grid_intensity.csv",
        id="unit-of-wrong-dimension",
    ),
    pytest.param(
        _tables(FR_ROW.replace("co2e_intensity", "co2_intensity")),
        "grid_intensity.csv:2",
        id="quantity-typo",
    ),
]


@pytest.mark.parametrize(("build", "names"), HOSTILE_FOLDERS)
def test_a_hostile_user_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], build: Builder, names: str
) -> None:
    d = build(tmp_path)
    code, err = assess_with(tmp_path, capsys, d)
    if names == "grid_intensity.yaml":  # a table's card is read when it is shown
        args = ["--catalog-dir", str(d), "data", "show", "grid_intensity", "-f", "key=FR"]
        code, _, err = cli_case(tmp_path, capsys, args, output=False)
    assert_bad_input(code, err, names)


@pytest.mark.parametrize("value", ["1.5", "0", "1e-300", "0.0099"])
def test_an_impossible_fab_yield_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """A yield above 1, or below 0.01 (it divides the per-area fab water: 1e-300 gave
    2.16e302 L with exit 0), in a user table read by an assessment that manufactures a die."""
    d = folder(tmp_path, {"embodied_factors.csv": HEADER + YIELD_ROW.format(v=value)})
    f = tmp_path / "m.yaml"
    f.write_text(
        "name: m\ntraining:\n  accelerators: {type: H100, gpu_hours: 1000 h}\n"
        "manufacturing:\n  components:\n    - {name: gpus, hardware: H100}\n",
        encoding="utf-8",
    )
    code, _, err = cli_case(tmp_path, capsys, ["--catalog-dir", str(d), "assess", str(f)])
    assert_bad_input(code, err, "embodied_factors.csv:2", "fab_yield")


def test_a_near_spelling_of_a_packaged_table_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tables/grid_intensty.csv was taken as a new table beside grid_intensity (exit 0, the
    packaged FR factor kept, nothing said)."""
    d = folder(tmp_path, {"grid_intensty.csv": HEADER + FR_ROW})
    code, err = assess_with(tmp_path, capsys, d)
    assert_bad_input(code, err, "grid_intensty.csv", "grid_intensity.csv")


def test_an_empty_user_table_changes_nothing(tmp_path: Path) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER})
    base = packaged_co2e(tmp_path)
    with user.using(overlay=d):
        assert assess_file(tmp_path / "t.yaml").total.co2e_kg == pytest.approx(base)


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_catalog_folder_that_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    notdir = tmp_path / "notdir"
    notdir.write_text("x")
    if how == "env":
        monkeypatch.setenv(user.ENV, str(notdir))
        code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
        assert_bad_input(code, err, "notdir", user.ENV)
    else:
        code, _, err = cli_case(
            tmp_path, capsys, ["--catalog-dir", str(notdir), "assess", str(f), "--json"]
        )
        assert_bad_input(code, err, "notdir", "not a folder")


def test_a_folder_without_tables_or_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, _, err = cli_case(
        tmp_path, capsys, ["--catalog-dir", str(tmp_path / "empty"), "assess", str(f)]
    )
    assert_bad_input(code, err, "empty", "neither tables/ nor sources/")


def test_a_non_string_source_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = folder(tmp_path, source="123:\n  title: X\n")
    code, _, err = run_cli(["--catalog-dir", str(d), "data", "cite", "123"], capsys)
    assert_bad_input(code, err, "mine.yaml")


@pytest.mark.parametrize(
    "name", ["[red]x[_red]", "x\x1b[31mred", "a b", "x" * 200, "..x", "x-"], ids=repr
)
def test_a_table_name_with_odd_characters_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    d = folder(tmp_path, {f"{name}.csv": HEADER + "k,K,q,1,1,2025,mine2025,\n"})
    code, out, err = run_cli(["--catalog-dir", str(d), "data", "list"], capsys)
    assert code == 0, err
    assert "\x1b" not in out and "\x1b" not in err
    code, out, err = run_cli(["--catalog-dir", str(d), "data", "show", name, "--csv"], capsys)
    assert code == 0, err
    assert out.splitlines()[1].startswith("k,K,q,1.0,1,2025,mine2025")


def test_user_rows_say_where_they_come_from(tmp_path: Path) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW})
    with user.using(overlay=d):
        f = catalog.table("grid_intensity").factor("FR", "co2e_intensity", "kg/kWh")
        assert f.origin.endswith("grid_intensity.csv") and f.value == pytest.approx(0.02)
        other = catalog.table("grid_intensity").factor("DE", "co2e_intensity", "kg/kWh")
        assert other.origin == ""
    assert catalog.table("grid_intensity").factor("FR", "co2e_intensity", "kg/kWh").origin == ""


# -- state between calls ---------------------------------------------------------------


def test_an_error_in_a_user_folder_leaves_the_packaged_catalog(tmp_path: Path) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW.replace(",20,", ",nan,")})
    with pytest.raises(DataError), user.using(overlay=d):
        catalog.table("grid_intensity")
    assert user.overlay_dir() is None
    assert catalog.table("grid_intensity").row("FR", "co2e_intensity").origin == ""


def test_nested_using_restores_each_level(tmp_path: Path) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW})
    with user.using(overlay=d):
        with user.using():
            assert catalog.table("grid_intensity").row("FR", "co2e_intensity").origin == ""
        assert catalog.table("grid_intensity").row("FR", "co2e_intensity").value == 20
    assert catalog.table("grid_intensity").row("FR", "co2e_intensity").origin == ""


def test_a_failing_inner_using_keeps_the_outer_base(tmp_path: Path) -> None:
    with user.using(base=PACKAGED):
        with pytest.raises(DataError), user.using(overlay=tmp_path / "nope"):
            pass
        assert user.base_dir() == PACKAGED


def test_the_cli_option_does_not_outlive_its_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW})
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, one, err = run_cli(["--catalog-dir", str(d), "assess", str(f), "--json"], capsys)
    assert code == 0, err
    code, two, err = run_cli(["assess", str(f), "--json"], capsys)
    assert code == 0, err
    try:
        assert json.loads(two)["total"] != json.loads(one)["total"]
        assert user.overlay_dir() is None
    finally:
        user.use()


def test_the_environment_folder_is_read_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW})
    assert catalog.table("grid_intensity").row("FR", "co2e_intensity").origin == ""
    monkeypatch.setenv(user.ENV, str(d))
    assert catalog.table("grid_intensity").row("FR", "co2e_intensity").value == 20


def test_rows_over_is_undone_after_an_error() -> None:
    rows = {"accelerators": [catalog.Row("tmp-npu", "", "tdp", 1.0, "W", 2026, "x", "")]}
    with pytest.raises(RuntimeError), user.rows_over(rows):
        assert catalog.table("accelerators").has("tmp-npu", "tdp")
        raise RuntimeError("boom")
    assert not catalog.table("accelerators").has("tmp-npu", "tdp")
    with user.rows_over(rows), user.using():  # using() inside keeps the rows of the block
        assert catalog.table("accelerators").has("tmp-npu", "tdp")
    assert not catalog.table("accelerators").has("tmp-npu", "tdp")


# -- the file's own hardware -----------------------------------------------------------


def hw_file(tmp_path: Path, hardware: str, typ: str, name: str = "hw") -> Path:
    f = tmp_path / "hw.yaml"
    f.write_text(
        f"name: {json.dumps(name)}\nhardware:\n{hardware}training:\n  grid: {{region: FR}}\n"
        f"  facility: {{pue: 1.0}}\n  accelerators: {{type: {json.dumps(typ)}, "
        "gpu_hours: 1000 h}\n"
    )
    return f


@pytest.mark.parametrize(
    "name", ["h100", "A100", "H100 SXM", "h100_sxm5_80gb", "NVIDIA H100 SXM5 80GB"]
)
def test_a_hardware_name_of_a_catalog_key_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    f = hw_file(tmp_path, f"  - {{name: {json.dumps(name)}, tdp: 1 W}}\n", name)
    code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
    assert_bad_input(code, err, "hw.yaml:3", "hardware[0].name", "catalog's")


@pytest.mark.parametrize(
    ("figure", "field"),
    [
        ("tdp: -5 W", "tdp"),
        ("tdp: nan W", "tdp"),
        ("tdp: 5 kg", "tdp"),
        ("memory: -1 GB", "memory"),
    ],
)
def test_a_bad_hardware_figure_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figure: str, field: str
) -> None:
    f = hw_file(tmp_path, f"  - {{name: my-npu, {figure}}}\n", "my-npu")
    code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
    assert_bad_input(code, err, "hw.yaml:3", f"hardware[0].{field}")


def test_a_hardware_name_too_long_or_empty_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("L" * 101, ""):
        f = hw_file(tmp_path, f"  - {{name: {json.dumps(name)}, tdp: 1 W}}\n", "x")
        code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
        assert_bad_input(code, err, "hw.yaml", "hardware[0].name")


def test_two_hardware_entries_of_one_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hw = "  - {name: my-npu, tdp: 100 W}\n  - {name: my-npu, tdp: 900 W}\n"
    f = hw_file(tmp_path, hw, "my-npu")
    code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
    assert_bad_input(code, err, "hw.yaml:4", "hardware[1].name")


def test_two_hardware_names_that_resolve_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hw = "  - {name: my-npu, tdp: 100 W}\n  - {name: MY_NPU, tdp: 900 W}\n"
    f = hw_file(tmp_path, hw, "my npu")
    code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
    assert_bad_input(code, err, "hw.yaml:4", "hardware[1].name")


def test_a_zero_tdp_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = hw_file(tmp_path, "  - {name: my-npu, tdp: 0 W}\n", "my-npu")
    code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--json"])
    assert_bad_input(code, err, "hw.yaml:3", "hardware[0].tdp")


HOSTILE_NAMES = {
    "markup": "[red]x[/red] [link=https://e.org]y[/link]",
    "html": "npu<img src=x onerror=alert(2)>|[y](javascript:z)",
    "dots": "../../etc/passwd",
    "escape": "npu\x1b[2J\x1b]0;t\x07",
    "long": "L" * 100,
    "separators": "---",
}


@pytest.mark.parametrize("name", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_a_hostile_hardware_name_is_used_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """350 W x 1,000 h, PUE 1: 350 kWh; the terminal shows no escape; nothing is written."""
    f = hw_file(tmp_path, f"  - {{name: {json.dumps(name)}, tdp: 350 W}}\n", name)
    before = snapshot(tmp_path)
    code, out, err = run_cli(["assess", str(f), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["phases"]["training"]["co2e_kg"] >= 0
    assert assess_file(f).total.energy_kwh == pytest.approx(350.0)
    code, out, err = run_cli(["assess", str(f), "-v"], capsys)
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert snapshot(tmp_path) == before
    assert not catalog.table("accelerators").has(name, "tdp")


def test_an_unused_hardware_entry_changes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    base = assess_file(f).total
    g = hw_file(tmp_path, "  - {name: never-used, tdp: 1 kW}\n", "H100")
    got = assess_file(g).total
    plain = assess_file(hw_file(tmp_path, "  - {name: x, tdp: 1 W}\n", "H100")).total
    assert got.co2e_kg == pytest.approx(plain.co2e_kg) and got.co2e_kg > 0
    assert base.co2e_kg > 0


# -- disclosures -----------------------------------------------------------------------

GOOD = (
    "name: g\ntraining:\n  grid: {region: FR}\n"
    "  accelerators: {type: H100, count: 8, duration: 10 h}\n"
)
OWN_HW = (
    "name: s\nhardware:\n  - {name: my-npu, tdp: 350 W, peak_dense_bf16: 400 TFLOP/s}\n"
    "training:\n  grid: {region: FR}\n  accelerators: {type: my-npu, count: 8, duration: 10 h}\n"
)


@pytest.mark.parametrize("fmt", ["hf-card", "sci", "ai-act"])
def test_a_disclosure_of_the_files_own_hardware(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(OWN_HW)
    out = tmp_path / f"{fmt}.md"
    code, _, err = run_cli(["report", str(f), "--format", fmt, "-o", str(out)], capsys)
    assert code == 0, err
    if fmt != "sci":  # the SCI names no hardware
        assert "my-npu" in out.read_text()


@pytest.mark.parametrize("fmt", ["sci", "ai-act", "hf-card"])
def test_disclosures_escape_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    evil = "e <script>alert(1)</script> | [x](javascript:alert(1)) *b* `c`"
    f = tmp_path / "e.yaml"
    f.write_text(GOOD.replace("name: g", f"name: {json.dumps(evil)}"))
    md, js = tmp_path / f"{fmt}.md", tmp_path / f"{fmt}.json"
    for out in (md, js):
        code, _, err = run_cli(["report", str(f), "--format", fmt, "-o", str(out)], capsys)
        assert code == 0, err
    text = md.read_text()
    assert "<script>" not in text and "| [x]" not in text
    assert "\\[x\\](javascript" in text  # the brackets escaped: no link
    doc = json.loads(js.read_text(), parse_constant=lambda c: pytest.fail(c))
    if fmt != "hf-card":  # the card's JSON is its metadata alone
        assert evil in json.dumps(doc, ensure_ascii=False)


def _card_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: Callable[[Path], None]
) -> tuple[int, str, dict[str, bytes | str], dict[str, bytes | str]]:
    f = tmp_path / "g.yaml"
    f.write_text(GOOD)
    readme = tmp_path / "card" / "README.md"
    readme.parent.mkdir()
    setup(readme)
    before = snapshot(tmp_path)
    code, _, err = run_cli(["report", str(f), "--format", "hf-card", "-o", str(readme)], capsys)
    return code, err, before, snapshot(tmp_path)


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda p: p.write_bytes(b"---\nlicense: mit\n---\n\xff\xfe\n"), "not UTF-8"),
        (lambda p: p.mkdir(), "folder"),
        (lambda p: p.write_text("---\nlicense: [\n---\n# T\n"), "front matter"),
        (lambda p: p.write_text("---\n- a\n---\n# T\n"), "front matter"),
        (lambda p: p.write_text("# T\n<!-- lcai:begin -->\nold\n"), "markers"),
        pytest.param(lambda p: p.write_text("---\na: &x [*x]\n---\n# T\n"), "README.md"),
    ],
    ids=["non-utf8", "folder", "bad-yaml", "list", "one-marker", "self-alias"],
)
def test_a_bad_model_card_is_refused_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: Callable[[Path], None], fragment: str
) -> None:
    code, err, before, after = _card_case(tmp_path, capsys, setup)
    assert_bad_input(code, err, "README.md", fragment)
    assert after == before


def test_a_model_card_behind_a_symlink_is_updated_through_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.md"
    real.write_text("---\nlicense: mit\n---\n\n# Title\n\nBody\n")

    def link(p: Path) -> None:
        p.symlink_to(real)

    code, err, _, _ = _card_case(tmp_path, capsys, link)
    assert code == 0, err
    readme = tmp_path / "card" / "README.md"
    assert readme.is_symlink()
    text = real.read_text()
    assert (
        text.startswith("---\nlicense: mit\nco2_eq_emissions:\n") and "\n# Title\n\nBody\n" in text
    )


def test_a_crlf_model_card_keeps_its_line_endings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "# Title\r\n\r\nBody with CRLF\r\n"

    def crlf(p: Path) -> None:
        p.write_bytes(("---\r\nlicense: mit\r\n---\r\n" + body).encode())

    code, err, _, _ = _card_case(tmp_path, capsys, crlf)
    assert code == 0, err
    data = (tmp_path / "card" / "README.md").read_bytes()
    assert b"license: mit\r\n" in data and body.encode() in data


def test_a_model_card_with_anchors_keeps_its_other_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def anchors(p: Path) -> None:
        p.write_text(
            "---\nbase: &b {license: mit}\nco2_eq_emissions: &c\n  emissions: 1\n"
            "other: *c\nmore: *b\n---\n# T\n"
        )

    code, err, _, _ = _card_case(tmp_path, capsys, anchors)
    assert code == 0, err
    import yaml

    text = (tmp_path / "card" / "README.md").read_text()
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["base"] == {"license": "mit"} and meta["more"] == {"license": "mit"}
    assert meta["other"] == {"emissions": 1}
    assert meta["co2_eq_emissions"]["emissions"] > 1


# -- lcai data diff and assess --catalog-diff -----------------------------------------


def base_catalog(root: Path, edit: Callable[[Path], None] | None = None) -> Path:
    """A whole catalog folder (with a catalog.yaml): the packaged one copied, then edited."""
    d = root / "oldcat"
    shutil.copytree(PACKAGED, d, ignore=shutil.ignore_patterns("__pycache__"))
    if edit is not None:
        edit(d)
    return d


def _set_fr(value: str) -> Callable[[Path], None]:
    def edit(d: Path) -> None:
        p = d / "tables" / "grid_intensity.csv"
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.startswith("FR,") and ",co2e_intensity," in line:
                head, _, rest = line.partition(",co2e_intensity,")
                lines[i] = head + ",co2e_intensity," + value + "," + rest.split(",", 1)[1]
        p.write_text("".join(lines), encoding="utf-8")

    return edit


def test_data_diff_of_a_user_folder_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW.replace(",20,", ",xx,")})
    for args in (["packaged", str(d)], [str(d), "packaged"], [str(d), str(d), "--json"]):
        code, _, err = cli_case(tmp_path, capsys, ["data", "diff", *args], output=False)
        assert_bad_input(code, err, "grid_intensity.csv:2")


def test_data_diff_of_a_folder_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli_case(
        tmp_path, capsys, ["data", "diff", str(tmp_path / "nope"), "packaged"], output=False
    )
    assert_bad_input(code, err, "nope", "not a folder")


def test_data_diff_of_two_equal_catalogs_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["data", "diff", "packaged", "packaged", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["rows"] == []


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(_set_fr("nan"), id="nan-value"),
        pytest.param(
            lambda d: (d / "tables" / "network.csv").write_bytes(b"\xff\xfe" * 10), id="non-utf8"
        ),
        pytest.param(
            lambda d: (d / "catalog.yaml").write_text("version: [\n"), id="catalog-yaml-syntax"
        ),
        pytest.param(
            lambda d: (d / "sources" / "zz.yaml").write_text("x: [\n"), id="sources-yaml-syntax"
        ),
    ],
)
def test_data_diff_of_a_hostile_catalog_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Callable[[Path], None]
) -> None:
    d = base_catalog(tmp_path, edit)
    code, _, err = cli_case(
        tmp_path, capsys, ["data", "diff", str(d), "packaged", "--json"], output=False
    )
    assert_bad_input(code, err, "oldcat")


def test_data_diff_of_a_catalog_folder_with_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def fifo(d: Path) -> None:
        (d / "tables" / "network.csv").unlink()
        os.mkfifo(d / "tables" / "network.csv")

    d = base_catalog(tmp_path, fifo)
    code, _, err = cli_case(
        tmp_path, capsys, ["data", "diff", str(d), "packaged", "--json"], output=False
    )
    assert_bad_input(code, err, "network.csv")


def test_catalog_diff_from_an_equal_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, out, err = run_cli(["assess", str(f), "--catalog-diff", "packaged", "--json"], capsys)
    assert code == 0, err
    for a in json.loads(out):
        assert a["change"] == 0 and a["attributed_share"] == 1.0 and a["steps"] == []


def test_catalog_diff_when_the_old_catalog_lacks_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def drop_h100(d: Path) -> None:
        p = d / "tables" / "accelerators.csv"
        keep = [
            ln
            for ln in p.read_text().splitlines(keepends=True)
            if not ln.startswith("H100-SXM5-80GB,")
        ]
        p.write_text("".join(keep))

    d = base_catalog(tmp_path, drop_h100)
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, _, err = cli_case(
        tmp_path, capsys, ["assess", str(f), "--catalog-diff", str(d), "--json"]
    )
    assert_bad_input(code, err, "oldcat")


def test_catalog_diff_from_a_catalog_with_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = base_catalog(tmp_path, _set_fr("nan"))
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, _, err = cli_case(
        tmp_path, capsys, ["assess", str(f), "--catalog-diff", str(d), "--json"]
    )
    assert_bad_input(code, err, "oldcat")


def test_catalog_diff_of_a_user_folder_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = folder(tmp_path, {"grid_intensity.csv": HEADER + FR_ROW.replace(",20,", ",xx,")})
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    code, _, err = cli_case(tmp_path, capsys, ["assess", str(f), "--catalog-diff", str(d)])
    assert_bad_input(code, err, "grid_intensity.csv:2")
    assert user.overlay_dir() is None


# -- properties ------------------------------------------------------------------------

CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=CELL, unit=CELL, year=CELL, key=CELL)
def test_any_user_cell_is_a_row_or_a_data_error(value: str, unit: str, year: str, key: str) -> None:
    """Whatever a CSV cell holds, the table loads or a DataError names the file."""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerow([key, "L", "co2e_intensity", value, unit, year, "mine2025", "n"])
    with tempfile.TemporaryDirectory() as tmp:
        d = folder(Path(tmp), {"grid_intensity.csv": HEADER + buf.getvalue()})
        try:
            with user.using(overlay=d):
                rows = catalog.table("grid_intensity").rows
        except LcaiError as exc:
            assert "grid_intensity.csv" in str(exc)
        else:
            mine = [r for r in rows if r.origin]
            assert all(math.isfinite(r.value) and 1900 <= r.year <= 2100 for r in mine)
    assert user.overlay_dir() is None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grid=st.floats(min_value=1.0, max_value=2000.0),
    pue=st.floats(min_value=1.0, max_value=3.0),
)
def test_attribution_steps_add_up_to_the_change(grid: float, pue: float) -> None:
    """Two rows changed (France's grid, AWS's PUE): the steps explain the whole change."""
    from lcai.spec.loading import parse_source
    from lcai.whatif.catalog_change import attribute_change

    spec = {
        "name": "t",
        "training": {
            "grid": {"region": "FR"},
            "facility": {"operator": "aws"},
            "accelerators": {"type": "H100", "gpu_hours": "1000 h"},
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        d = folder(
            Path(tmp),
            {
                "grid_intensity.csv": HEADER
                + f"FR,F,co2e_intensity,{grid!r},gCO2e/kWh,2025,mine2025,\n",
                "facility.csv": HEADER + f"operator:aws,AWS,pue,{pue!r},1,2025,mine2025,\n",
            },
        )
        with user.using(overlay=d):
            att = attribute_change(parse_source(spec), None, "co2e_kg")
    assert math.isfinite(att.attributed_share)
    assert sum(s.delta for s in att.steps) == pytest.approx(att.change, rel=1e-9, abs=1e-9)
    if att.change != 0:
        assert att.attributed_share == pytest.approx(1.0, abs=1e-6)
    assert user.overlay_dir() is None
