"""lcai: life-cycle assessment of AI (energy, carbon and water, from manufacturing
to every request served).

>>> import lcai
>>> result = lcai.assess_file("examples/bloom-176b.yaml")  # doctest: +SKIP
>>> round(result.total.co2e_kg / 1000, 1)  # doctest: +SKIP
50.5

Importing lcai reads no file and loads no table; everything is lazy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "DataError",
    "LcaiError",
    "Plan",
    "Result",
    "Source",
    "SpecError",
    "UnitError",
    "UnknownKeyError",
    "__version__",
    "assess",
    "assess_file",
    "assess_source",
    "estimate_request",
    "evaluate",
    "load_assessment",
    "load_source",
    "parse_quantity",
    "plan_file",
    "plan_source",
    "resolve",
    "result_of",
    "set_span_attributes",
    "span_attributes",
    "track",
]

_LAZY = {
    "Assessment": "lcai.spec.schema",
    "Plan": "lcai.engine.plan",
    "evaluate": "lcai.engine.evaluate",
    "Result": "lcai.engine.result",
    "assess": "lcai.api",
    "assess_file": "lcai.api",
    "plan_file": "lcai.api",
    "plan_source": "lcai.api",
    "assess_source": "lcai.api",
    "result_of": "lcai.api",
    "estimate_request": "lcai.api.requests",
    "span_attributes": "lcai.api.requests",
    "set_span_attributes": "lcai.api.requests",
    "load_assessment": "lcai.spec.loading",
    "load_source": "lcai.spec.loading",
    "Source": "lcai.spec.source",
    "resolve": "lcai.resolver",
    "parse_quantity": "lcai.units",
    "track": "lcai.measure.tracker",
    "DataError": "lcai.errors",
    "LcaiError": "lcai.errors",
    "SpecError": "lcai.errors",
    "UnitError": "lcai.errors",
    "UnknownKeyError": "lcai.errors",
}

if TYPE_CHECKING:
    from lcai.api import assess, assess_file, assess_source, plan_file, plan_source, result_of
    from lcai.api.requests import estimate_request, set_span_attributes, span_attributes
    from lcai.engine.evaluate import evaluate
    from lcai.engine.plan import Plan
    from lcai.engine.result import Result
    from lcai.errors import DataError, LcaiError, SpecError, UnitError, UnknownKeyError
    from lcai.measure.tracker import track
    from lcai.resolver import resolve
    from lcai.spec.loading import load_assessment, load_source
    from lcai.spec.schema import Assessment
    from lcai.spec.source import Source
    from lcai.units import parse_quantity


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lcai' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
