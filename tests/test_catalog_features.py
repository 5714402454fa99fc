"""Catalog behaviour people can audit: cloud regions bring their operator's figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lcai
from lcai.catalog import user
from lcai.errors import DataError
from tests.test_bad_input import run_cli


def _assumed(spec: dict[str, object]) -> dict[str, tuple[float, str]]:
    r = lcai.assess(spec)
    return {a.name: (a.value, a.note) for a in r.assumptions}


@pytest.mark.parametrize(
    ("region", "pue"),
    [("aws:us-east-1", 1.14), ("gcp:us-east4", 1.10), ("azure:eastus", 1.18)],
)
def test_a_cloud_region_brings_its_operators_pue(region: str, pue: float) -> None:
    spec = {
        "name": "c",
        "training": {
            "grid": {"region": region},
            "accelerators": {"type": "H100", "gpu_hours": "1000 h"},
        },
    }
    got = _assumed(spec)
    value, note = got["training.facility.pue"]
    assert value == pytest.approx(pue)
    assert f"cloud region {region}" in note


def test_the_file_still_overrides_a_cloud_regions_operator() -> None:
    spec = {
        "name": "c",
        "training": {
            "grid": {"region": "aws:us-east-1"},
            "facility": {"pue": 1.3},
            "accelerators": {"type": "H100", "gpu_hours": "1000 h"},
        },
    }
    assert "training.facility.pue" not in _assumed(spec)  # the file's value is not assumed
    spec["training"]["facility"] = {"operator": "microsoft"}  # type: ignore[index]
    assert _assumed(spec)["training.facility.pue"][0] == pytest.approx(1.18)


# -- an audit: old factors say why they are kept ----------------------------------------

MAX_AGE_YEARS = 10
CATALOG_YEAR = 2026
SPECS = {"accelerators", "servers", "models", "inference_benchmarks", "sites"}
"""Tables of product facts and published measurements: a datasheet does not age."""


def test_old_factors_say_why_they_are_kept() -> None:
    """A time-varying factor older than ten years must say why it is kept ('Kept: ...')."""
    from lcai import catalog

    stale = [
        f"{name}:{r.key}.{r.quantity} ({r.year})"
        for name in catalog.table_names()
        if name not in SPECS
        for r in catalog.table(name).rows
        if r.year < CATALOG_YEAR - MAX_AGE_YEARS and "Kept:" not in r.note
    ]
    assert not stale, stale


def test_the_catalog_has_a_version_and_a_changelog() -> None:
    from lcai import catalog

    card = catalog.load_yaml((catalog.data_dir() / "catalog.yaml").read_text(encoding="utf-8"))
    assert card["version"] == card["changelog"][0]["version"]
    assert all(entry["changes"] for entry in card["changelog"])


# -- a user's folder of tables over the packaged catalog --------------------------------


HEADER = "key,label,quantity,value,unit,year,source_id,note\n"
SOURCE = "mine2025:\n  title: My utility's 2025 disclosure\n  authors: My utility\n  year: 2025\n"
TRAIN = {
    "name": "t",
    "training": {"grid": {"region": "FR"}, "accelerators": {"type": "H100", "gpu_hours": "1000 h"}},
}


def _folder(tmp_path: Path, rows: str, source: str = SOURCE) -> Path:
    d = tmp_path / "mycat"
    (d / "tables").mkdir(parents=True)
    (d / "sources").mkdir()
    (d / "tables" / "grid_intensity.csv").write_text(HEADER + rows)
    (d / "sources" / "mine.yaml").write_text(source)
    return d


def test_a_user_folder_overrides_and_extends_rows(tmp_path: Path) -> None:
    d = _folder(
        tmp_path,
        "FR,France (supplier),co2e_intensity,20,gCO2e/kWh,2025,mine2025,supplier figure\n"
        "XX-TEST,Test land,co2e_intensity,100,gCO2e/kWh,2025,mine2025,\n",
    )
    base = lcai.assess(TRAIN).total.co2e_kg
    with user.using(overlay=d):
        r = lcai.assess(TRAIN)
        grid = next(a for a in r.assumptions if a.name == "training.grid.co2e_intensity")
        assert grid.value == pytest.approx(0.020) and "user catalog" in grid.note
        spec = {**TRAIN, "training": {**TRAIN["training"], "grid": {"region": "XX-TEST"}}}
        assert lcai.assess(spec).total.co2e_kg > 0
    # 1,000 GPU-h x 700 W x PUE: the carbon scales with the grid factor
    assert r.total.co2e_kg == pytest.approx(base * 20 / 41.44, rel=1e-3)
    assert lcai.assess(TRAIN).total.co2e_kg == pytest.approx(base)  # and back afterwards


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ("FR,France,co2e_intensity,nan,gCO2e/kWh,2025,mine2025,\n", "finite"),
        ("FR,France,co2e_intensity,20,furlongs,2025,mine2025,\n", "unit"),
        ("FR,France,co2e_intensity,20,gCO2e/kWh,1850,mine2025,\n", "year"),
        ("FR,France,co2e_intensity,20,gCO2e/kWh,2025,nobody,\n", "source_id"),
        ("FR,France,co2e_intensity,abc,gCO2e/kWh,2025,mine2025,\n", "csv:2"),
    ],
)
def test_a_user_folders_rows_are_checked(tmp_path: Path, rows: str, match: str) -> None:
    d = _folder(tmp_path, rows)
    with user.using(overlay=d), pytest.raises(DataError, match=match) as info:
        lcai.assess(TRAIN)
    assert "grid_intensity.csv" in str(info.value)


def test_the_cli_takes_a_catalog_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _folder(tmp_path, "FR,France,co2e_intensity,20,gCO2e/kWh,2025,mine2025,\n")
    f = tmp_path / "t.yaml"
    f.write_text(
        "name: t\ntraining:\n  grid: {region: FR}\n"
        "  accelerators: {type: H100, gpu_hours: 1000 h}\n"
    )
    code, out, err = run_cli(["--catalog-dir", str(d), "assess", str(f), "--json"], capsys)
    assert code == 0, err
    assert '"co2e_kg"' in out
    code, _, err = run_cli(["--catalog-dir", str(tmp_path / "nope"), "assess", str(f)], capsys)
    assert code == 2 and "not a folder" in err
    user.use()  # the CLI set the folder for this process: back to the packaged catalog


def test_data_diff_lists_the_rows_that_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _folder(
        tmp_path,
        "FR,France,co2e_intensity,20,gCO2e/kWh,2025,mine2025,\nXX-TEST,Test,co2e_intensity,1,gCO2e/kWh,2025,mine2025,\n",
    )
    code, out, err = run_cli(["data", "diff", "packaged", str(d), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    got = {(r["key"], r["change"]) for r in doc["rows"]}
    assert got == {("FR", "changed"), ("XX-TEST", "added")}
    fr = next(r for r in doc["rows"] if r["key"] == "FR")
    assert fr["old"]["value"] == pytest.approx(41.44) and fr["new"]["value"] == 20


def test_a_result_change_is_explained_by_its_rows(tmp_path: Path) -> None:
    """Two rows change (France's grid and AWS's PUE): the steps add up to the change."""
    from lcai.spec.loading import parse_source
    from lcai.whatif.catalog_change import attribute_change

    d = _folder(tmp_path, "FR,France,co2e_intensity,20,gCO2e/kWh,2025,mine2025,\n")
    (d / "tables" / "facility.csv").write_text(
        HEADER + "operator:aws,AWS,pue,1.30,1,2025,mine2025,\n"
    )
    spec = {**TRAIN, "training": {**TRAIN["training"], "facility": {"operator": "aws"}}}
    src = parse_source(spec)
    with user.using(overlay=d):
        att = attribute_change(src, None, "co2e_kg")
    assert att.attributed_share >= 0.99
    assert {s.name for s in att.steps} == {"training.grid.co2e_intensity", "training.facility.pue"}
    assert sum(s.delta for s in att.steps) == pytest.approx(att.change, rel=1e-9)
    assert att.new_total < att.old_total


# -- hardware the catalog lacks, described in the file ----------------------------------

NPU = {"name": "my-npu", "tdp": "350 W", "peak_dense_bf16": "400 TFLOP/s", "memory": "64 GB"}


def test_the_files_own_accelerator_is_used_like_a_catalog_one() -> None:
    """1,000 h on my-npu at its 350 W TDP (x its compute-bound fraction, 1.0): 350 kWh IT."""
    spec = {
        "name": "npu",
        "hardware": [NPU],
        "training": {
            "grid": {"region": "FR"},
            "facility": {"pue": 1.0},
            "accelerators": {"type": "my-npu", "gpu_hours": "1000 h"},
        },
    }
    r = lcai.assess(spec)
    assert r.phases["training"].impact.energy_kwh == pytest.approx(350.0)
    power = next(a for a in r.assumptions if a.name == "training.accelerators.power")
    assert power.value == pytest.approx(350.0)
    # the catalog is as before once the file is resolved
    from lcai import catalog

    assert not catalog.table("accelerators").has("my-npu", "tdp")


def test_what_the_files_accelerator_lacks_is_named() -> None:
    spec = {
        "name": "npu",
        "hardware": [NPU],
        "usage": {
            "grid": {"region": "FR"},
            "requests": 10,
            "inference": {
                "model": "llama-3.1-8b",
                "accelerator": "my-npu",
                "input_tokens": 100,
                "output_tokens": 100,
            },
        },
    }
    with pytest.raises(DataError, match=r"my-npu \(the file's hardware\) has no memory_bandwidth"):
        lcai.assess(spec)
    spec["hardware"] = [{**NPU, "memory_bandwidth": "2 TB/s"}]
    assert lcai.assess(spec).total.energy_kwh > 0


def test_a_catalog_name_cannot_be_redefined(capsys: pytest.CaptureFixture[str]) -> None:
    from lcai.errors import SpecError

    spec = {
        "name": "x",
        "hardware": [{**NPU, "name": "H100"}],
        "training": {"accelerators": {"type": "H100", "gpu_hours": "1 h"}},
    }
    with pytest.raises(SpecError, match="catalog's H100"):
        lcai.assess(spec)


def test_the_data_doc_is_current() -> None:
    """docs/data.md is generated from the catalog (scripts/gen_data_doc.py)."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("gen_data", root / "scripts" / "gen_data_doc.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (root / "docs" / "data.md").read_text()
    assert committed == gen.render(), "run: .venv/bin/python scripts/gen_data_doc.py"


def test_missing_fabrication_water_is_said() -> None:
    """B200 has no die area in the catalog: its fabrication water is not silently 0 L."""
    spec = {
        "name": "m",
        "manufacturing": {"components": [{"hardware": "B200", "count": 8, "duration": "100 h"}]},
    }
    r = lcai.assess(spec)
    assert any("fabrication water of B200 not counted" in w for w in r.warnings)


def test_a_fully_reported_phase_looks_up_no_grid() -> None:
    """A reported result with carbon and water uses no grid or facility: none is looked up
    (no 'world average' warning, no PUE assumption)."""
    spec = {
        "name": "r",
        "training": {
            "reported": {"energy": "10 MWh", "co2e": "4 t", "water": "30 m3", "source": "paper X"}
        },
    }
    r = lcai.assess(spec)
    assert r.total.co2e_kg == pytest.approx(4000.0)
    assert not any("world average" in w for w in r.warnings)
    assert not any(a.name.startswith("training.facility") for a in r.assumptions)


def test_a_cooling_derived_pue_says_what_it_is() -> None:
    """cooling: liquid gives a relative saving on an average site (1.343), which is above a
    hyperscale fleet's PUE: the result says so, and an operator's figure wins."""
    spec = {
        "name": "c",
        "training": {
            "grid": {"region": "FR"},
            "facility": {"cooling": "liquid"},
            "accelerators": {"type": "H100", "gpu_hours": "10 h"},
        },
    }
    r = lcai.assess(spec)
    assert any("relative saving on an industry-average site" in w for w in r.warnings)
    spec["training"]["facility"]["operator"] = "aws"  # type: ignore[index]
    r = lcai.assess(spec)
    assert not any("relative saving" in w for w in r.warnings)
