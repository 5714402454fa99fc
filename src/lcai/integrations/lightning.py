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

from lcai.integrations.session import TrackedTraining

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # the package's older name
    from pytorch_lightning.callbacks import Callback

__all__ = ["LcaiCallback"]


def _folder(trainer: Any) -> Path:
    return Path(getattr(trainer, "default_root_dir", None) or ".")


class LcaiCallback(TrackedTraining, Callback):  # type: ignore[misc]
    """Track a Lightning fit with lcai (see the module); the keyword arguments are
    :class:`~lcai.integrations.session.TrackedTraining`'s."""

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if trainer.is_global_zero:
            self.begin(_folder(trainer))

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        for key, value in self.so_far().items():
            pl_module.log(key, value, on_step=True, on_epoch=False, rank_zero_only=True)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        run, _ = self.paths(_folder(trainer))
        self.end(_folder(trainer), Path(run.parent).resolve().name)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self.fail()
