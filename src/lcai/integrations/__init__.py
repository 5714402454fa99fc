"""Integrations with the ML tools people already use: each imports its library only when
called, so ``import lcai`` stays light.

``mlflow``: log a result's totals, phases and rates as metrics and the JSON result as an
artifact of an MLflow run.

May import: api, engine and below (and the integrated library, lazily).
"""
