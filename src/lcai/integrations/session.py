"""What every training callback does, whatever the framework: start lcai's tracker in the
run's folder, report the energy, CO2e and water so far, and at the end write the run file
and the model card (:func:`lcai.integrations.card.write_card`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lcai.integrations.card import write_card
from lcai.measure.tracker import Tracker

__all__ = ["TrackedTraining"]


class TrackedTraining:
    """The settings of a callback and its tracker while a training runs.

    ``run_file`` and ``card`` default to ``lcai-run.jsonl`` and ``README.md`` in the
    folder the framework writes to (given to each method)."""

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
        super().__init__()  # cooperative: the framework's callback class comes next
        self.region, self.run_file, self.card, self.name = region, run_file, card, name
        self.interval_s, self.meters = interval_s, meters
        self.tracker: Tracker | None = None

    def paths(self, folder: Path) -> tuple[Path, Path]:
        """The run file and the model card for a training writing to ``folder``."""
        run = Path(self.run_file) if self.run_file else folder / "lcai-run.jsonl"
        card = Path(self.card) if self.card else folder / "README.md"
        return run, card

    def begin(self, folder: Path) -> None:
        """Start tracking into the run file (its folder made where missing)."""
        run, _ = self.paths(folder)
        run.parent.mkdir(parents=True, exist_ok=True)
        self.tracker = Tracker(
            run, interval_s=self.interval_s, region=self.region, meters=self.meters
        )
        self.tracker.start()

    def so_far(self) -> dict[str, float]:
        """``lcai/energy_kwh``, ``lcai/co2e_g`` and ``lcai/water_l`` so far (those known);
        empty when not tracking."""
        t = self.tracker
        if t is None:
            return {}
        got = {"lcai/energy_kwh": t.energy_kwh, "lcai/co2e_g": t.co2e_g, "lcai/water_l": t.water_l}
        return {k: v for k, v in got.items() if v is not None}

    def end(self, folder: Path, default_name: str) -> None:
        """Stop tracking (status 0) and write the model card; nothing when not tracking."""
        t = self.tracker
        if t is None:
            return
        t.stop(0)
        self.tracker = None
        run, card = self.paths(folder)
        write_card(run, card, self.name or default_name, self.region)

    def fail(self) -> None:
        """Stop tracking with status 1 (a failed run; no card)."""
        t = self.tracker
        if t is not None:
            t.stop(1)
            self.tracker = None
