"""The validation suite's manifest (``suite.yaml``) as typed models.

The manifest is read once and validated by the models below: unknown fields,
a bad mode or tolerance, an unreadable selector or a published value without
the unit its comparison needs are a :class:`DataError` naming the suite file,
the case and the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePath, PureWindowsPath
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lcai.checks.selectors import Selector, parse_selector
from lcai.errors import DataError, LcaiError
from lcai.spec.loading import read_data, yaml_line
from lcai.units import DIMENSIONS, convert, parse_quantity, parse_unit

__all__ = [
    "Case",
    "CheckSpec",
    "Mode",
    "PredictionGoal",
    "Rejected",
    "Suite",
    "load_suite",
    "parse_suite",
]

Mode = Literal["reproduction", "prediction"]
Ratio = Annotated[float, Field(ge=0)]
Tolerance = Annotated[float, Field(ge=0, le=1)]
"""A relative tolerance: at most 100% (a larger one would pass anything)."""
Factor = Annotated[float, Field(ge=1)]


def _selector(text: Any) -> Selector:
    if isinstance(text, Selector):
        return text
    if not isinstance(text, str):
        raise ValueError(f"expected a selector such as 'total.co2e_kg', got {text!r}")
    try:
        return parse_selector(text)
    except DataError as exc:
        raise ValueError(str(exc)) from None


def dimension_of(unit: str) -> str:
    """The name of the dimension (a key of ``lcai.units.DIMENSIONS``) of ``unit``."""
    _, dims = parse_unit(unit)
    for dim in DIMENSIONS.values():
        if dim.dims == dims:
            return dim.name
    raise ValueError(f"unit {unit!r} is of no dimension lcai knows")


def published_in(text: Any, unit: str) -> float:
    """A published quantity (``"24.69 tCO2e"``; a bare number when dimensionless) in ``unit``."""
    q = parse_quantity(text, dimension_of(unit))
    return convert(q.value, q.unit, unit)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class CheckSpec(_Model):
    """One comparison: a quantity selected from lcai's result against a published value."""

    quantity: str = Field(min_length=1)
    select: Annotated[Selector, BeforeValidator(_selector)]
    unit: str = "1"
    """The unit of the comparison (of ``published`` and the computed value)."""
    published: float
    """The published value, in ``unit`` (read from a quantity with its own unit)."""
    tolerance: Tolerance | None = None
    tolerance_abs: Ratio | None = None
    factor: Factor | None = None
    note: str = ""
    energy: bool = False
    """Whether the check counts towards the prediction goal's energy error."""

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        try:
            dimension_of(unit)
        except LcaiError as exc:
            raise ValueError(str(exc)) from None
        return unit

    @model_validator(mode="after")
    def _comparable(self) -> Self:
        if parse_unit(self.select.unit)[1] != parse_unit(self.unit)[1]:
            raise ValueError(
                f"select gives {self.select.unit}, which cannot be compared in {self.unit!r}"
            )
        return self

    @field_validator("published", mode="before")
    @classmethod
    def _in_unit(cls, text: Any, info: ValidationInfo) -> float:
        unit = info.data.get("unit")
        if unit is None:
            raise ValueError("cannot be read without a valid unit")
        try:
            return published_in(text, unit)
        except LcaiError as exc:
            raise ValueError(f"{exc} (the comparison is in {unit!r})") from None


class Case(_Model):
    """One publication's assessment file and its checks."""

    case: str = Field(min_length=1)
    file: str = Field(min_length=1)
    mode: Mode
    source: str = Field(min_length=1)
    tolerance: Tolerance | None = None
    tolerance_note: str = ""
    independent_of: tuple[str, ...] = ()
    group: Literal["inference"] | None = None
    factor: Factor | None = None
    checks: tuple[CheckSpec, ...] = Field(min_length=1)

    @field_validator("file")
    @classmethod
    def _inside_the_suite(cls, file: str) -> str:
        """A case's file lies in the suite's folder or below: never absolute, never '..'."""
        p = PurePath(file)
        if p.is_absolute() or PureWindowsPath(file).is_absolute() or ".." in p.parts:
            raise ValueError(
                f"expected a file in the suite's folder (a relative path without '..'), "
                f"got {file!r}"
            )
        return file

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [c.quantity for c in self.checks]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"quantities appear more than once: {', '.join(twice)}")
        if self.mode == "reproduction" and self.factor is not None:
            raise ValueError("'factor' bounds predictions; a reproduction has a tolerance")
        if self.mode == "prediction" and self.tolerance is not None:
            raise ValueError("a prediction is not gated: 'tolerance' is for reproductions")
        for i, c in enumerate(self.checks):
            problem = self._check_problem(c)
            if problem:
                raise ValueError(f"checks[{i}] ({c.quantity}): {problem}")
        return self

    def _check_problem(self, c: CheckSpec) -> str | None:
        gated = c.tolerance is not None or c.tolerance_abs is not None
        if self.mode == "prediction":
            return "a prediction is not gated: use 'factor', not a tolerance" if gated else None
        if c.factor is not None:
            return "'factor' bounds predictions; a reproduction has a tolerance"
        if not gated and self.tolerance is None:
            return "a reproduction check needs a tolerance (on the check or its case)"
        return None

    def tolerance_of(self, check: CheckSpec) -> float | None:
        """The relative tolerance of a reproduction check: its own, else the case's."""
        return check.tolerance if check.tolerance is not None else self.tolerance

    def factor_of(self, check: CheckSpec) -> float:
        """How far off (x or /) a prediction may be and still be within its bound."""
        for f in (check.factor, self.factor):
            if f is not None:
                return f
        return 2.0


class PredictionGoal(_Model):
    """What the prediction cases aim for on energy, as a whole."""

    median_abs_energy_error: Ratio = math.inf
    max_factor: Factor = math.inf
    max_abs_signed_median: Ratio = math.inf
    """The bound on the signed median error: no systematic bias either way."""


class Suite(_Model):
    """The manifest: its format version, the prediction goal and the cases."""

    version: Literal[1]
    prediction_goal: PredictionGoal = PredictionGoal()
    cases: tuple[Case, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_cases(self) -> Self:
        names = [c.case for c in self.cases]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"case names appear more than once: {', '.join(twice)}")
        return self


def _where(data: Any, loc: Sequence[str | int]) -> str:
    """``case 'NAME': checks[2].published`` for a location in the manifest."""
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        cases = data.get("cases") if isinstance(data, dict) else None
        case = cases[loc[1]] if isinstance(cases, list) and loc[1] < len(cases) else None
        name = case.get("case") if isinstance(case, dict) else None
        head = f"case {name!r}" if isinstance(name, str) else f"cases[{loc[1]}]"
        rest = _dotted(loc[2:])
        return f"{head}: {rest}" if rest else head
    return _dotted(loc) or "the manifest"


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "literal_error":
        msg += f", got {err.get('input')!r}"
    return msg


@dataclass(frozen=True)
class Rejected:
    """A case of the manifest that cannot be checked, and why (file, line, field)."""

    case: str
    reason: str


def _located(
    exc: ValidationError, data: Any, text: str | None, prefix: tuple[str | int, ...] = ()
) -> list[tuple[int | None, str]]:
    problems = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        line = yaml_line(text, loc) if text is not None else None
        problems.append((line, f"{_where(data, loc)}: {_message(err)}"))
    return problems


def parse_suite(
    data: Any, *, file: str, text: str | None = None
) -> tuple[Suite, tuple[Rejected, ...]]:
    """Validate a manifest's data: the suite of its valid cases, and the cases rejected
    (each naming the file, line, case and field). A manifest with no valid case, or a
    problem outside the cases, is a DataError."""
    raw = data.get("cases") if isinstance(data, dict) else None
    good: list[Any] = []
    rejected: list[Rejected] = []
    for i, case in enumerate(raw if isinstance(raw, list) else []):
        try:
            good.append(Case.model_validate(case))
        except ValidationError as exc:
            name = case.get("case") if isinstance(case, dict) else None
            reason = _problems(file, _located(exc, data, text, ("cases", i)))
            rejected.append(Rejected(name if isinstance(name, str) else f"cases[{i}]", reason))
    if rejected and not good:  # each reason already names the file and line
        more = f" (and {len(rejected) - 1} more rejected case(s))" if len(rejected) > 1 else ""
        raise DataError(rejected[0].reason + more)
    if isinstance(raw, list):
        data = {**data, "cases": good}
    try:
        return Suite.model_validate(data), tuple(rejected)
    except ValidationError as exc:
        problems = _located(exc, data, text) + [(None, r.reason) for r in rejected]
        raise DataError(_problems(file, problems)) from None


def _problems(file: str, problems: Sequence[tuple[int | None, str]], most: int = 5) -> str:
    """One line: ``FILE:LINE: what`` for one problem, ``FILE: N problems: line L: ...`` else."""
    if len(problems) == 1:
        ((line, what),) = problems
        return f"{file}:{line}: {what}" if line is not None else f"{file}: {what}"
    shown = [f"line {line}: {what}" if line is not None else what for line, what in problems]
    more = f"; and {len(shown) - most} more" if len(shown) > most else ""
    return f"{file}: {len(shown)} problems: {'; '.join(shown[:most])}{more}"


def packaged_suite_dir() -> Traversable:
    """The folder of the packaged suite."""
    return resources.files("lcai") / "data" / "validation"


def load_suite(path: Path | None = None) -> tuple[Suite, Traversable, tuple[Rejected, ...]]:
    """The suite at ``path`` (default: the packaged one), the folder its files are in, and
    the cases it rejected."""
    if path is None:
        import yaml

        base = packaged_suite_dir()
        manifest = base / "suite.yaml"
        text = manifest.read_text(encoding="utf-8")
        suite, rejected = parse_suite(yaml.safe_load(text), file=str(manifest), text=text)
        if rejected:  # lcai's own suite: every case must be valid
            raise DataError(rejected[0].reason)
        return suite, base, ()
    try:
        data, text_or_none = read_data(path)
    except LcaiError as exc:
        raise DataError(str(exc)) from None
    suite, rejected = parse_suite(data, file=str(path), text=text_or_none)
    return suite, path.parent, rejected
