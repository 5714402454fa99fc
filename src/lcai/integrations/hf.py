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

from lcai.integrations.session import TrackedTraining

__all__ = ["LcaiCallback"]


def _folder(args: Any) -> Path:
    return Path(getattr(args, "output_dir", None) or ".")


class LcaiCallback(TrackedTraining, TrainerCallback):
    """Track a ``transformers`` training with lcai (see the module); the keyword arguments
    are :class:`~lcai.integrations.session.TrackedTraining`'s."""

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if getattr(state, "is_world_process_zero", True):
            self.begin(_folder(args))

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if logs is not None:
            logs.update(self.so_far())

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.end(_folder(args), Path(getattr(args, "output_dir", "model")).name)
