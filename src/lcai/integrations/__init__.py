"""Integrations with the ML tools people already use: each imports its library only when
called, so ``import lcai`` stays light.

``mlflow``: log a result's totals, phases and rates as metrics and the JSON result as an
artifact of an MLflow run. ``hf``: a Hugging Face ``transformers`` ``TrainerCallback``
that tracks the training, logs its energy, CO2e and water, and writes the model card's
``co2_eq_emissions`` and a run file at the end.

``lightning``: the same for a PyTorch Lightning ``Callback``. ``card``: what both
callbacks do at the end.

May import: outputs, api, measure, engine and below (and the integrated library, lazily).
"""
