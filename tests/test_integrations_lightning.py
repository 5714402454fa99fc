"""The PyTorch Lightning callback, in a real (tiny, CPU) ``Trainer.fit``.

Lightning brings PyTorch, which the dev extra leaves out (a large download that CI does
not need for anything else): these tests skip without it. ``make test-lightning`` builds
a side environment with the CPU build of PyTorch and Lightning and runs them.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip(
    "lightning.pytorch", reason="lightning (and PyTorch) not installed: make test-lightning"
)
torch = pytest.importorskip("torch", reason="PyTorch not installed: make test-lightning")

import lcai  # noqa: E402
from lcai.integrations.lightning import LcaiCallback  # noqa: E402
from lcai.measure.runfile import read_run  # noqa: E402
from lcai.spec.loading import parse_source  # noqa: E402
from tests.test_track import CountingMeter  # noqa: E402


class _Tiny(pl.LightningModule):  # type: ignore[misc]
    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.fail_at = fail_at

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        if self.fail_at is not None and batch_idx == self.fail_at:
            raise RuntimeError("boom")
        time.sleep(0.03)  # the tracker samples every 0.02 s: readings between steps
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("loss", loss)
        return loss

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.01)


def _loader() -> Any:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=g)
    data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
    return torch.utils.data.DataLoader(data, batch_size=4)


def _trainer(root: Path, cb: LcaiCallback) -> Any:
    return pl.Trainer(
        default_root_dir=str(root),
        max_steps=6,
        log_every_n_steps=1,
        callbacks=[cb],
        logger=pl.loggers.CSVLogger(str(root), name="logs", version=0),
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )


def test_fit_logs_lcai_metrics_and_writes_run_file_and_card(tmp_path: Path) -> None:
    hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub not installed")
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n# Tiny\n", encoding="utf-8")
    cb = LcaiCallback(region="FR", interval_s=0.02, meters=[CountingMeter()], name="tiny")
    _trainer(tmp_path, cb).fit(_Tiny(), _loader())

    with (tmp_path / "logs" / "version_0" / "metrics.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("lcai/energy_kwh")]
    energy = [float(r["lcai/energy_kwh"]) for r in rows]
    assert len(energy) >= 5, "one lcai/energy_kwh per logged step"
    assert energy == sorted(energy) and energy[-1] > 0, "energy so far never decreases"
    assert all(float(r["lcai/co2e_g"]) > 0 for r in rows), "a region gives CO2e per step"

    run = read_run(tmp_path / "lcai-run.jsonl")
    assert run.end is not None and run.end["exit_status"] == 0
    # Lightning logs float32; the tracker and the run file both count from the first
    # reading, so the last logged figure is at most the run file's
    assert energy[-1] * 3.6e6 <= run.energy_j() * (1 + 1e-6), "a step logged after the end"

    measured = {"runs": [str(tmp_path / "lcai-run.jsonl")]}
    spec = {"name": "tiny", "training": {"grid": {"region": "FR"}, "measured": measured}}
    res = lcai.assess_source(parse_source(spec, base_dir=tmp_path))
    card = hub.ModelCard.load(tmp_path / "README.md")
    assert card.data.license == "mit" and "# Tiny" in card.text, "the card is updated"
    grams = res.phases["training"].impact.co2e_kg * 1000
    assert card.data.co2_eq_emissions["emissions"] == pytest.approx(grams, rel=1e-9)


def test_a_failed_fit_records_status_1_and_writes_no_card(tmp_path: Path) -> None:
    cb = LcaiCallback(interval_s=0.02, meters=[CountingMeter()])
    with pytest.raises(RuntimeError, match="boom"):
        _trainer(tmp_path, cb).fit(_Tiny(fail_at=3), _loader())
    run = read_run(tmp_path / "lcai-run.jsonl")
    assert run.end is not None and run.end["exit_status"] == 1
    assert not (tmp_path / "README.md").exists()
    assert cb.tracker is None
