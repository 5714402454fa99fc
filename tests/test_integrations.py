"""Integrations, each against the real library: MLflow with a local file store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lcai

mlflow = pytest.importorskip("mlflow", reason="mlflow (or mlflow-skinny) not installed")
ROOT = Path(__file__).resolve().parents[1]


def test_a_result_is_logged_to_an_mlflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lcai.integrations.mlflow import log_result, result_metrics

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # a local file store, no server
    res = lcai.assess_file(ROOT / "examples" / "open-model-lifecycle.yaml")
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    with mlflow.start_run() as run:
        log_result(res)
    client = mlflow.tracking.MlflowClient()
    got = client.get_run(run.info.run_id)
    metrics = got.data.metrics
    assert metrics["lcai.total.co2e_kg"] == pytest.approx(res.total.co2e_kg)
    assert metrics["lcai.training.energy_kwh"] == pytest.approx(
        res.phases["training"].impact.energy_kwh
    )
    assert metrics["lcai.rates.per_request.co2e_kg"] == pytest.approx(
        res.rates["per_request"].co2e_kg
    )
    assert set(result_metrics(res)) <= set(metrics)
    assert got.data.tags["lcai.functional_unit"] == res.functional_unit
    local = client.download_artifacts(run.info.run_id, "lcai-result.json", str(tmp_path))
    assert json.loads(Path(local).read_text())["total"]["co2e_kg"] == pytest.approx(
        res.total.co2e_kg
    )


def test_importing_lcai_does_not_import_mlflow() -> None:
    import subprocess
    import sys

    code = "import lcai, sys; lcai.assess; print('mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.filterwarnings("ignore::lcai.measure.tracker.TrackingWarning")
def test_the_transformers_callback_tracks_logs_and_writes_the_card(tmp_path: Path) -> None:
    """Driven through transformers' own TrainingArguments, TrainerState and TrainerControl,
    without training (PyTorch is not installed here; a full Trainer calls the same hooks):
    the logs carry the energy so far, and the card's co2_eq_emissions is the run's CO2e."""
    transformers = pytest.importorskip("transformers", reason="transformers not installed")
    hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub not installed")
    import time

    from lcai.integrations.hf import LcaiCallback
    from tests.test_track import CountingMeter

    args = transformers.TrainingArguments(output_dir=str(tmp_path / "out"))
    state, control = transformers.TrainerState(), transformers.TrainerControl()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "README.md").write_text("---\nlicense: mit\n---\n# My model\n")
    cb = LcaiCallback(region="FR", interval_s=0.02, meters=[CountingMeter()], name="my-model")
    cb.on_train_begin(args, state, control)
    time.sleep(0.2)
    logs: dict[str, float] = {"loss": 1.0}
    cb.on_log(args, state, control, logs=logs)
    assert logs["lcai/energy_kwh"] > 0 and "lcai/co2e_g" in logs and logs["loss"] == 1.0
    cb.on_train_end(args, state, control)
    run = tmp_path / "out" / "lcai-run.jsonl"
    assert run.is_file()
    card = hub.ModelCard.load(tmp_path / "out" / "README.md")
    assert card.data.license == "mit" and "# My model" in card.text
    spec = {
        "name": "my-model",
        "training": {"grid": {"region": "FR"}, "measured": {"runs": [str(run)]}},
    }
    from lcai.spec.loading import parse_source

    res = lcai.assess_source(parse_source(spec, base_dir=tmp_path / "out"))
    grams = res.phases["training"].impact.co2e_kg * 1000
    assert card.data.co2_eq_emissions["emissions"] == pytest.approx(grams, rel=1e-9)


def test_a_second_training_into_the_folder_is_a_run_of_its_own(tmp_path: Path) -> None:
    """A run file is never overwritten: the second training tracked into a folder writes
    lcai-run-2.jsonl, and its card is that run's."""
    from lcai.integrations.session import TrackedTraining
    from lcai.measure import read_run
    from tests.test_track import CountingMeter

    session = TrackedTraining(interval_s=0.02, meters=[CountingMeter()], name="twice")
    for _ in range(2):
        session.begin(tmp_path)
        session.end(tmp_path, "twice")
    runs = sorted(p.name for p in tmp_path.glob("lcai-run*.jsonl"))
    assert runs == ["lcai-run-2.jsonl", "lcai-run.jsonl"]
    assert all(read_run(tmp_path / r).end is not None for r in runs)
    assert "co2_eq_emissions" in (tmp_path / "README.md").read_text(encoding="utf-8")
    assert session.tracker is None
