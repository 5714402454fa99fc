"""An inventory written as a Brightway 2.5 project (``bw2data``, the ``lcai[lca]`` extra).

The project lives in a folder of its own (Brightway's base directory, ``BRIGHTWAY2_DIR``):
it is written into a new folder beside the target and put in place in one step, so
nothing lands in the user's home folder and a failed export leaves no half-written
project. It holds two databases, ``lcai biosphere`` (lcai's elementary flows) and
``lcai foreground`` (the activities), and the methods of :data:`METHODS`: IPCC GWP100 built
from the catalog's own factors (1 kgCO2e per kg of lcai's carbon flow), and water consumed.

Each exchange's distribution is written in Brightway's uncertainty fields (stats_arrays:
lognormal, normal, uniform, triangular, beta-PERT), with the physical bounds lcai truncates
it to as ``minimum`` / ``maximum``. The link keys are the exchange fields
``lcai_region``, ``lcai_technology``, ``lcai_catalog_row`` and ``lcai_hardware``.

Where the inventory carries lcai's own joint Monte Carlo draws (:class:`Samples`), they
are written beside the databases as :data:`SAMPLES_FILE`, a ``bw_processing`` datapackage of
persistent arrays (one column per draw, read in order) that replaces the amounts of the
exchanges that move: a bw2calc LCA with it and ``use_arrays=True`` gives lcai's total of
draw i at iteration i, shared and combined inputs included.

bw2data is imported when called. After an export, bw2data (in this process) points at the
exported project.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from lcai.errors import LcaiError
from lcai.files import replace_folder
from lcai.outputs.lca.inventory import CO2E, CO2E_MARKET, WATER, Exchange, Inventory, Samples
from lcai.spec.distributions import Dist

__all__ = [
    "BIOSPHERE",
    "FOREGROUND",
    "METHODS",
    "SAMPLES_FILE",
    "open_project",
    "samples_datapackage",
    "stats_arrays_fields",
    "write_brightway",
]

BIOSPHERE = "lcai biosphere"
FOREGROUND = "lcai foreground"
METHODS: dict[str, tuple[tuple[str, ...], str, str]] = {
    CO2E: (("lcai", "climate change", "GWP100"), "kg CO2-Eq", "IPCC GWP100 as lcai's catalog "
           "factors state it: 1 per kg of lcai's kgCO2e flow"),
    CO2E_MARKET: (("lcai", "climate change, market-based", "GWP100"), "kg CO2-Eq",
                  "the same with contractual instruments (GHG Protocol Scope 2, market-based)"),
    WATER: (("lcai", "water consumption"), "cubic meter", "water consumed, 1 per m3"),
}  # fmt: skip
"""Method name, unit and description by the elementary flow they characterise."""
_UNITS = {
    "kWh": "kilowatt hour",
    "kg": "kilogram",
    "m3": "cubic meter",
    "unit": "unit",
    "h": "hour",
    "GB": "gigabyte",
}
SAMPLES_FILE = "lcai-samples.zip"
"""The datapackage of lcai's joint draws, in the export's folder."""
_EXTRA = (
    "the Brightway export needs the lcai[lca] extra (bw2data, bw2calc): pip install 'lcai[lca]'"
)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """bw2data's log lines, progress bars and warnings kept off the terminal."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _bw2data(base: Path, project: str) -> ModuleType:
    """bw2data pointed at ``base`` (its projects folder) and at ``project`` there."""
    first = "bw2data" not in sys.modules
    before = os.environ.get("BRIGHTWAY2_DIR")
    os.environ["BRIGHTWAY2_DIR"] = str(base)  # read once, when bw2data is first imported
    try:
        with _quiet():
            bw2data = importlib.import_module("bw2data")
    except ImportError:
        raise LcaiError(_EXTRA) from None
    finally:
        if before is None:
            os.environ.pop("BRIGHTWAY2_DIR", None)
        else:
            os.environ["BRIGHTWAY2_DIR"] = before
    (base / "logs").mkdir(parents=True, exist_ok=True)
    with _quiet():
        if not first or bw2data.projects.current != project:
            bw2data.projects.change_base_directories(
                base, base_logs_dir=base / "logs", project_name=project
            )
    return bw2data


def open_project(base: Path, project: str = "lcai") -> ModuleType:
    """bw2data pointed at an exported project (``base``: the export's folder)."""
    if not (base / "projects.db").is_file():
        raise LcaiError(f"{base}: not a Brightway projects folder (no projects.db)")
    return _bw2data(base, project)


def _datapackages() -> tuple[ModuleType, ModuleType]:
    """bw_processing and fsspec's zip file system (the lcai[lca] extra), imported when
    called."""
    try:
        bwp = importlib.import_module("bw_processing")
        zipfs = importlib.import_module("fsspec.implementations.zip")
    except ImportError:
        raise LcaiError(_EXTRA) from None
    return bwp, zipfs


def samples_datapackage(base: Path) -> Any:
    """The ``bw_processing`` datapackage of lcai's joint draws in an exported project folder
    (give it to ``bw2calc.LCA`` in ``data_objs`` with ``use_arrays=True``)."""
    path = base / SAMPLES_FILE
    if not path.is_file():
        raise LcaiError(f"{path}: no such file (export with --samples N to write the draws)")
    bwp, zipfs = _datapackages()
    import zipfile

    try:
        # every array is read into memory: the file is closed on return, no handle kept
        with path.open("rb") as fh:
            fs = zipfs.ZipFileSystem(fh)
            try:
                dp = bwp.load_datapackage(fs)
            finally:
                fs.close()
        name = dp.metadata.get("name")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise LcaiError(f"{path}: not a draws package of lcai export ({exc})") from None
    if name != "lcai-samples":
        raise LcaiError(f"{path}: not a draws package of lcai export (its name is {name!r})")
    return dp


def stats_arrays_fields(d: Dist | None) -> dict[str, Any]:
    """Brightway's uncertainty fields of a distribution (stats_arrays ids: 0 none,
    2 lognormal, 3 normal, 4 uniform, 5 triangular, 13 beta-PERT)."""
    from lcai.spec.distributions import truncation_matters

    if d is None:
        return {"uncertainty type": 0}
    nan = math.nan
    bounded = truncation_matters(d)
    low = d.lower if bounded and math.isfinite(d.lower) else nan
    high = d.upper if bounded and math.isfinite(d.upper) else nan
    if d.kind == "lognormal":
        low = low if low > 0 else nan  # a lognormal is positive: a bound at 0 cuts nothing
        return {"uncertainty type": 2, "loc": math.log(d.a), "scale": math.log(d.b),
                "minimum": low, "maximum": high, "negative": False}  # fmt: skip
    if d.kind == "normal":
        return {"uncertainty type": 3, "loc": d.a, "scale": d.b, "minimum": low, "maximum": high}
    if d.kind == "uniform":
        return {"uncertainty type": 4, "minimum": d.a, "maximum": d.b}
    if d.kind == "triangular":
        return {"uncertainty type": 5, "loc": d.b, "minimum": d.a, "maximum": d.c}
    return {"uncertainty type": 13, "loc": d.b, "minimum": d.a, "maximum": d.c, "scale": 4.0}


def _exchange(e: Exchange) -> dict[str, Any]:
    db = BIOSPHERE if e.kind == "biosphere" else FOREGROUND
    out: dict[str, Any] = {
        "input": (db, e.source),
        "amount": e.amount,
        "type": e.kind,
        "unit": _UNITS[e.unit],
        "comment": e.comment,
    }
    out.update(stats_arrays_fields(e.dist))
    if e.carries:
        out["lcai_parameter"] = e.carries
    for k, v in e.link.items():
        out[f"lcai_{k}"] = v
    return out


def _data(inv: Inventory) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], Any]]:
    bio = {
        (BIOSPHERE, f.code): {
            "name": f.name,
            "unit": _UNITS[f.unit],
            "type": "natural resource" if f.code == WATER else "emission",
            "categories": f.compartment,
            "comment": f.note,
        }
        for f in inv.flows
    }
    fg: dict[tuple[str, str], Any] = {}
    for a in inv.activities:
        exchanges = [{"input": (FOREGROUND, a.code), "amount": 1.0, "type": "production",
                      "unit": _UNITS[a.unit]}]  # fmt: skip
        exchanges += [_exchange(e) for e in a.exchanges]
        fg[(FOREGROUND, a.code)] = {
            "name": a.name,
            "reference product": a.name,
            "unit": _UNITS[a.unit],
            "location": a.location or "GLO",
            "type": "process",
            "comment": a.comment,
            "exchanges": exchanges,
            "lcai_role": a.role,
            "lcai_phase": a.phase,
            "lcai_kind": a.kind,
            "lcai_inputs": [
                {
                    "name": p.name,
                    "value": p.value,
                    "unit": p.unit,
                    "status": p.status,
                    "source": p.source,
                    "note": p.note,
                }
                for p in a.inputs
            ],
        }
    return bio, fg


def _write(inv: Inventory, base: Path, project: str) -> None:
    bd = _bw2data(base, project)
    bio, fg = _data(inv)
    with _quiet():
        bd.Database(BIOSPHERE).write(bio)
        bd.Database(FOREGROUND).write(fg)
        for flow in inv.flows:
            name, unit, text = METHODS[flow.code]
            m = bd.Method(name)
            m.register(unit=unit, description=text)
            m.write([((BIOSPHERE, flow.code), 1.0)])
        meta: dict[str, Any] = {
            "name": inv.name,
            "functional_unit": inv.functional_unit,
            "reference": [FOREGROUND, inv.reference],
            "co2e_kg": inv.co2e_kg,
            "water_l": inv.water_l,
            "energy_kwh": inv.energy_kwh,
        }
        if inv.samples is not None and inv.samples.amounts:
            meta["samples"] = _write_samples(bd, inv, inv.samples, base / SAMPLES_FILE)
        bd.projects.dataset.data["lcai"] = meta
        bd.projects.dataset.save()


def _write_samples(bd: ModuleType, inv: Inventory, samples: Samples, path: Path) -> dict[str, Any]:
    """Write the draws of every exchange that moves as a datapackage of persistent arrays
    (sequential: iteration i reads column i; replacing, not adding to, the databases'
    amounts); what the project's metadata says of them."""
    bwp, zipfs = _datapackages()
    ids = {(n["database"], n["code"]): n.id for db in (FOREGROUND, BIOSPHERE)
           for n in bd.Database(db)}  # fmt: skip
    rows: dict[str, list[tuple[int, int]]] = {"technosphere": [], "biosphere": []}
    data: dict[str, list[Any]] = {"technosphere": [], "biosphere": []}
    for a in inv.activities:
        cells = [(e.kind, e.source) for e in a.exchanges]
        moving = {cells[j] for j in range(len(cells)) if (a.code, j) in samples.amounts}
        for j, e in enumerate(a.exchanges):
            x = samples.amounts.get((a.code, j))
            if x is None and cells[j] in moving and cells.count(cells[j]) > 1:
                # the package's entries replace the database's sum of a matrix cell: a
                # cell of several exchanges goes in whole once one of them moves
                x = np.full(samples.n, e.amount)
            if x is None:
                continue
            db = BIOSPHERE if e.kind == "biosphere" else FOREGROUND
            rows[e.kind].append((ids[(db, e.source)], ids[(FOREGROUND, a.code)]))
            data[e.kind].append(x)
    dp = bwp.create_datapackage(
        fs=zipfs.ZipFileSystem(str(path), mode="w"),
        name="lcai-samples",
        sequential=True,
        sum_inter_duplicates=False,
        metadata={"description": f"lcai's {samples.n} joint Monte Carlo draws of {inv.name}"},
    )
    for kind, label in (("technosphere", "technosphere_matrix"), ("biosphere", "biosphere_matrix")):
        if not rows[kind]:
            continue
        dp.add_persistent_array(
            matrix=label,
            name=f"lcai-{kind}-draws",
            indices_array=np.array(rows[kind], dtype=bwp.INDICES_DTYPE),
            data_array=np.vstack(data[kind]),
            # inputs are negative in Brightway's technosphere matrix
            flip_array=np.full(len(rows[kind]), kind == "technosphere", dtype=bool),
        )
    dp.finalize_serialization()
    p5, p50, p95 = samples.co2e_percentiles()
    return {
        "file": SAMPLES_FILE,
        "n": samples.n,
        "seed": samples.seed,
        "exchanges": len(samples.amounts),
        "co2e_kg": {"p5": p5, "p50": p50, "p95": p95},
    }


def write_brightway(
    inv: Inventory, output: Path, *, project: str = "lcai", force: bool = False
) -> Path:
    """Write ``inv`` as Brightway project ``project`` in the new folder ``output``.

    An existing ``output`` is refused unless ``force`` (then replaced in one step).
    Returns ``output``; bw2data then points at the project there.
    """
    if not project.strip() or len(project) > 200:
        raise LcaiError(f"project name: expected 1 to 200 characters, got {len(project)}")
    if output.exists() and not force:
        raise LcaiError(f"{output}: exists; give --force to replace it (a new folder is written)")
    if output.exists() and not output.is_dir():
        raise LcaiError(f"{output}: is a file, expected a folder for the Brightway project")
    replace_folder(output, lambda tmp: _write(inv, tmp, project))
    _bw2data(output, project)  # the folder moved: follow it
    return output
