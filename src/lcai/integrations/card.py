"""What the training callbacks do at the end: assess the run file as the training's
measured energy and write the model card's ``co2_eq_emissions`` with an lcai section
(an existing card is updated, not replaced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_card"]


def write_card(run: Path, card: Path, name: str, region: str | None) -> None:
    """Assess ``run`` (a run file of ``lcai track``) as a training and write ``card``."""
    from lcai.api import plan_source, result_of
    from lcai.outputs import disclosures
    from lcai.spec.loading import parse_source

    training: dict[str, Any] = {"measured": {"runs": [run.name]}}
    if region is not None:
        training["grid"] = {"region": region}
    plan = plan_source(parse_source({"name": name, "training": training}, base_dir=run.parent))
    disclosures.write("hf-card", result_of(plan), card, plan)
