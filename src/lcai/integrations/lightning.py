"""A PyTorch Lightning callback: ``Trainer(..., callbacks=[LcaiCallback(region="FR")])``.

It runs lcai's tracker for the fit (on the global-zero process only), logs the energy,
CO2e and water so far at every training step through the module's ``log`` (so every
logger and the progress bar see ``lcai/energy_kwh``, ``lcai/co2e_g``, ``lcai/water_l``),
and at the end writes the run file (``ROOT/lcai-run.jsonl``, which an assessment's
``training.measured`` reads) and the model card's ``co2_eq_emissions`` with an lcai
section into ``ROOT/README.md`` (an existing card is updated, not replaced), ROOT being
the trainer's ``default_root_dir`` unless ``run_file`` / ``card`` say otherwise. A fit
that raises stops the tracker with status 1, so the run file records a failed run, and
writes no card.

Needs ``lightning`` (or the older ``pytorch_lightning``), and so PyTorch; importing this
module imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lcai.integrations.card import write_card
from lcai.measure.tracker import Tracker

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # the package's older name
    from pytorch_lightning.callbacks import Callback

__all__ = ["LcaiCallback"]


class LcaiCallback(Callback):  # type: ignore[misc]
    """Track a Lightning fit with lcai (see the module)."""

    def __init__(
        self,
        *,
        region: str | None = None,
        run_file: str | Path | None = None,
        card: str | Path | None = None,
        name: str | None = None,
        interval_s: float = 1.0,
        meters: list[Any] | None = None,
    ) -> None:
        super().__init__()
        self.region, self.run_file, self.card, self.name = region, run_file, card, name
        self.interval_s, self.meters = interval_s, meters
        self.tracker: Tracker | None = None

    def _paths(self, trainer: Any) -> tuple[Path, Path]:
        root = Path(getattr(trainer, "default_root_dir", None) or ".")
        run = Path(self.run_file) if self.run_file else root / "lcai-run.jsonl"
        card = Path(self.card) if self.card else root / "README.md"
        return run, card

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        run, _ = self._paths(trainer)
        run.parent.mkdir(parents=True, exist_ok=True)
        self.tracker = Tracker(
            run, interval_s=self.interval_s, region=self.region, meters=self.meters
        )
        self.tracker.start()

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        t = self.tracker
        if t is None:
            return
        metrics = {
            "lcai/energy_kwh": t.energy_kwh,
            "lcai/co2e_g": t.co2e_g,
            "lcai/water_l": t.water_l,
        }
        for key, value in metrics.items():
            if value is not None:
                pl_module.log(key, value, on_step=True, on_epoch=False, rank_zero_only=True)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        t = self.tracker
        if t is None:
            return
        t.stop(0)
        self.tracker = None
        run, card = self._paths(trainer)
        write_card(run, card, self.name or Path(run.parent).resolve().name, self.region)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        t = self.tracker
        if t is not None:
            t.stop(1)
            self.tracker = None
