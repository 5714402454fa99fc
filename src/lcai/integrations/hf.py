"""A Hugging Face ``transformers`` callback: ``Trainer(..., callbacks=[LcaiCallback()])``.

It runs lcai's tracker for the training (on the main process), adds the energy, CO2e and
water so far to every log, and at the end writes the run file (which an assessment's
``training.measured`` reads) and the model card's ``co2_eq_emissions`` with an lcai
section into ``OUTPUT_DIR/README.md`` (an existing card is updated, not replaced).

Needs ``transformers``; importing this module imports it. A full training needs PyTorch;
the tests drive the callback through transformers' own objects without training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from lcai.integrations.card import write_card
from lcai.measure.tracker import Tracker

__all__ = ["LcaiCallback"]


class LcaiCallback(TrainerCallback):
    """Track a ``transformers`` training with lcai (see the module)."""

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
        self.region, self.run_file, self.card, self.name = region, run_file, card, name
        self.interval_s, self.meters = interval_s, meters
        self.tracker: Tracker | None = None

    def _paths(self, args: Any) -> tuple[Path, Path]:
        out = Path(getattr(args, "output_dir", None) or ".")
        run = Path(self.run_file) if self.run_file else out / "lcai-run.jsonl"
        card = Path(self.card) if self.card else out / "README.md"
        return run, card

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not getattr(state, "is_world_process_zero", True):
            return
        run, _ = self._paths(args)
        self.tracker = Tracker(
            run, interval_s=self.interval_s, region=self.region, meters=self.meters
        )
        self.tracker.start()

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        t = self.tracker
        if t is None or logs is None:
            return
        logs["lcai/energy_kwh"] = t.energy_kwh
        if t.co2e_g is not None:
            logs["lcai/co2e_g"] = t.co2e_g
        if t.water_l is not None:
            logs["lcai/water_l"] = t.water_l

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        t = self.tracker
        if t is None:
            return
        t.stop(0)
        self.tracker = None
        run, card = self._paths(args)
        write_card(
            run, card, self.name or Path(getattr(args, "output_dir", "model")).name, self.region
        )
