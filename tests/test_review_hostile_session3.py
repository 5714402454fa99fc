"""Hostile-input review, session 3: bugs found in today's inputs (expert_execution,
grid inheritance, SOURCE_DATE_EPOCH, YAML tags in user catalog cards).

Each case asserts what docs/security.md promises (bad input: exit 2 with an ``error:``
line naming the file or field; never exit 70; no wrong number with exit 0); all were
bugs when written and are mended. Every case runs a real ``lcai`` process, so
that environment variables and import-time state are those of a fresh command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LCAI = str(Path(sys.executable).with_name("lcai"))
ENERGY_FILE = """name: t
grid:
  region: US-VA
usage:
  requests: 1M
  energy_per_request: 1 Wh
"""
HEADER = "key,label,quantity,value,unit,year,source_id,note\n"


def _lcai(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "LCAI_DEBUG")}
    full.pop("LCAI_CATALOG_DIR", None)
    full.update(env or {})
    return subprocess.run(
        [LCAI, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=120
    )


def _refused(p: subprocess.CompletedProcess[str], *names: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr[-500:])
    assert "internal error" not in p.stderr
    assert p.stderr.startswith("error:"), p.stderr[-500:]
    for n in names:
        assert n in p.stderr, (n, p.stderr[-500:])


# --- SOURCE_DATE_EPOCH --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "args"),
    [
        ("", ("assess", "f.yaml", "--samples", "5")),
        ("", ("export", "f.yaml", "--to", "openlca", "-o", "out.zip")),
        (" ", ("export", "f.yaml", "--to", "openlca", "-o", "out.zip")),
        ("1e3", ("export", "f.yaml", "--to", "brightway", "-o", "bw", "--samples", "3")),
        ("abc", ("sensitivity", "f.yaml")),
    ],
)
def test_source_date_epoch_never_internal_error(
    tmp_path: Path, value: str, args: tuple[str, ...]
) -> None:
    (tmp_path / "f.yaml").write_text(ENERGY_FILE)
    p = _lcai(*args, cwd=tmp_path, env={"SOURCE_DATE_EPOCH": value})
    assert p.returncode in (0, 2), (p.returncode, p.stderr[-500:])
    assert "internal error" not in p.stderr
    if p.returncode == 2:
        assert "SOURCE_DATE_EPOCH" in p.stderr


# --- user catalog: a new table's card -----------------------------------------------------


def _new_table(tmp_path: Path, quantities: str) -> Path:
    cat = tmp_path / "cat"
    (cat / "tables").mkdir(parents=True)
    (cat / "sources").mkdir()
    (cat / "tables" / "newt.csv").write_text(HEADER + "k,K,q,1,1,2022,gupta2022act,x\n")
    (cat / "tables" / "newt.yaml").write_text(
        'description: "d"\nversion: "2026.1"\nlicence: "l"\n' + quantities + "\n"
    )
    return cat


@pytest.mark.parametrize(
    "quantities",
    [
        "quantities: [q]",
        "quantities: 5",
        "quantities: !!set {q}",
        'quantities: {!!binary cQ==: {unit: "1", description: y}}',
        'quantities: {5: {unit: "1", description: y}}',
        'quantities: {null: {unit: "1", description: y}}',
    ],
)
def test_user_table_card_quantities_refused(tmp_path: Path, quantities: str) -> None:
    cat = _new_table(tmp_path, quantities)
    p = _lcai("--catalog-dir", str(cat), "data", "show", "newt", cwd=tmp_path)
    _refused(p, "newt.yaml")


# --- user catalog: a source card ----------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["authors: !!binary QQ==", "authors: !!set {a}", "title: !!omap [{a: 1}]", "title: null"],
)
def test_user_source_fields_must_be_text(tmp_path: Path, field: str) -> None:
    cat = tmp_path / "cat"
    (cat / "tables").mkdir(parents=True)
    (cat / "sources").mkdir()
    (cat / "tables" / "embodied_factors.csv").write_text(
        HEADER + "wafer_fab,Wafer fabrication,fab_yield,0.9,1,2022,my2026src,x\n"
    )
    entry = {"authors": '"A"', "title": '"T"', "year": "2026", "venue": '"V"',
             "url": '"https://x"'}  # fmt: skip
    name, value = field.split(": ", 1)
    entry[name] = value
    (cat / "sources" / "my.yaml").write_text(
        "my2026src:\n" + "".join(f"  {k}: {v}\n" for k, v in entry.items())
    )
    p = _lcai("--catalog-dir", str(cat), "data", "cite", "my2026src", cwd=tmp_path)
    _refused(p, "my.yaml")
    # a YAML-only tag is refused at its line; a null is refused naming the field
    want = "a YAML !!" if "!!" in value else f"{name} must be text"
    assert want in p.stderr, p.stderr


# --- expert_execution with a fractional expert --------------------------------------------

_HALF_EXPERT = """name: t
usage:
  grid:
    region: US-VA
  requests: 1M
  inference:
    accelerator: H100
    input_tokens: 500
    output_tokens: 300
    expert_execution: {ex}
    model:
      parameters: 100B
      active_parameters: 50B
      experts: 1
      experts_per_token: 0.5
"""


def test_fractional_experts_refused(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_text(_HALF_EXPERT.format(ex="all"))
    p = _lcai("assess", "f.yaml", cwd=tmp_path)
    _refused(p, "f.yaml", "experts")


# --- grid inheritance: a top-level contract_share -----------------------------------------

_TOP_SHARE = """name: g
grid:
  region: US-VA
  contract_share: 0.3
usage:
  grid:
    contract_intensity: 0 g/kWh
  requests: 1M
  energy_per_request: 1 Wh
"""


def test_top_level_contract_share_not_silently_dropped(tmp_path: Path) -> None:
    import json

    (tmp_path / "f.yaml").write_text(_TOP_SHARE)
    p = _lcai("assess", "f.yaml", "--json", cwd=tmp_path)
    if p.returncode == 2:
        _refused(p, "contract_share")
        return
    assert p.returncode == 0, p.stderr[-500:]
    total = json.loads(p.stdout)["total"]
    assert total["co2e_market_kg"] == pytest.approx(0.7 * total["co2e_kg"], rel=1e-6)
