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
        self._run: Path | None = None
        """The run file being written, while tracking."""

    def paths(self, folder: Path) -> tuple[Path, Path]:
        """The run file and the model card for a training writing to ``folder``: the run
        file the training is tracked into, else ``run_file``, else the first of
        ``lcai-run.jsonl``, ``lcai-run-2.jsonl``, ... not there yet (a run file is never
        overwritten, and a second training into the folder is a run of its own)."""
        card = Path(self.card) if self.card else folder / "README.md"
        if self._run is not None:
            return self._run, card
        if self.run_file:
            return Path(self.run_file), card
        run, n = folder / "lcai-run.jsonl", 1
        while run.exists():
            n += 1
            run = folder / f"lcai-run-{n}.jsonl"
        return run, card

    def begin(self, folder: Path) -> None:
        """Start tracking into the run file (its folder made where missing); a tracker still
        running (a training that raised, then a second one) is stopped first, as failed."""
        self.fail()
        run, _ = self.paths(folder)
        run.parent.mkdir(parents=True, exist_ok=True)
        self.tracker = Tracker(
            run, interval_s=self.interval_s, region=self.region, meters=self.meters
        )
        self.tracker.start()
        self._run = run

    def so_far(self) -> dict[str, float]:
        """``lcai/energy_kwh``, ``lcai/co2e_g`` and ``lcai/water_l`` so far (those known, all
        of one reading); empty when not tracking."""
        t = self.tracker
        if t is None:
            return {}
        kwh = t.energy_kwh  # once: the sampler may move on meanwhile
        got = {"lcai/energy_kwh": kwh}
        if t.factors is not None:
            got["lcai/co2e_g"] = t.factors.co2e_g(kwh)
            got["lcai/water_l"] = t.factors.water_l(kwh)
        return got

    def end(self, folder: Path, default_name: str) -> None:
        """Stop tracking (status 0) and write the model card; nothing when not tracking."""
        t = self.tracker
        if t is None:
            return
        t.stop(0)
        run, card = self.paths(folder)
        self.tracker, self._run = None, None
        write_card(run, card, self.name or default_name, self.region)

    def fail(self) -> None:
        """Stop tracking with status 1 (a failed run; no card); nothing when not tracking."""
        t = self.tracker
        if t is not None:
            self.tracker, self._run = None, None
            t.stop(1)
