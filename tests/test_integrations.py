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
