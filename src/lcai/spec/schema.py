"""The assessment file: pydantic models of what a user describes.

Quantities are written with units (``"700 W"``, ``"1.08e6 h"``, ``"6 years"``)
and stored in the canonical unit of their dimension (W, h, kWh, kg, L, GB).
Each field's description says what it is, its unit and an example; the same
text is in the JSON Schema (``lcai schema``) and in ``docs/assessment-file.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from lcai.errors import UnitError
from lcai.units import DIMENSIONS, NUMBER_PATTERN, RANGES, parse_quantity, split_quantity

__all__ = [
    "Accelerators",
    "Annotation",
    "Assessment",
    "Component",
    "Device",
    "Facility",
    "FunctionalUnit",
    "Grid",
    "Hardware",
    "Inference",
    "Manufacturing",
    "MemoryPower",
    "Network",
    "PowerDraw",
    "Provisioned",
    "Reported",
    "ServedModel",
    "Training",
    "Usage",
    "WorkPeriod",
]


def _parser(dimension: str, *, inverse: bool = False) -> Callable[[Any], float]:
    def parse(v: Any) -> float:
        value = parse_quantity(v, dimension, allow_inverse=inverse).value
        if value < 0:
            raise ValueError(f"must not be negative, got {v!r}")
        return value

    return parse


def _schema(dimension: str) -> WithJsonSchema:
    dim = DIMENSIONS[dimension]
    return WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": rf"^\s*{NUMBER_PATTERN}\s*\S.*$",
                    "x-dimension": dimension,
                }
            ],
            "x-dimension": dimension,
            "x-canonical-unit": dim.canonical,
            "examples": [dim.example],
        }
    )


def _number(v: Any) -> float:
    return parse_quantity(v, "dimensionless").value


_NumberSchema = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string"}], "examples": [0.85, "85%", "176B"]}
)

Energy = Annotated[float, BeforeValidator(_parser("energy")), _schema("energy")]
Power = Annotated[float, BeforeValidator(_parser("power")), _schema("power")]
Duration = Annotated[float, BeforeValidator(_parser("time")), _schema("time")]
Mass = Annotated[float, BeforeValidator(_parser("mass")), _schema("mass")]
Volume = Annotated[float, BeforeValidator(_parser("volume")), _schema("volume")]
Data = Annotated[float, BeforeValidator(_parser("data")), _schema("data")]
Area = Annotated[float, BeforeValidator(_parser("area")), _schema("area")]
Compute = Annotated[float, BeforeValidator(_parser("compute")), _schema("compute")]
ComputeRate = Annotated[float, BeforeValidator(_parser("compute rate")), _schema("compute rate")]
CarbonIntensity = Annotated[
    float, BeforeValidator(_parser("carbon intensity")), _schema("carbon intensity")
]
WaterIntensity = Annotated[
    float, BeforeValidator(_parser("water intensity")), _schema("water intensity")
]
NetworkIntensity = Annotated[
    float,
    BeforeValidator(_parser("network energy intensity", inverse=True)),
    _schema("network energy intensity"),
]
DataRate = Annotated[float, BeforeValidator(_parser("data rate")), _schema("data rate")]
PositiveDataRate = Annotated[
    float, BeforeValidator(_parser("data rate")), Field(gt=0), _schema("data rate")
]
PositiveComputeRate = Annotated[
    float, BeforeValidator(_parser("compute rate")), Field(gt=0), _schema("compute rate")
]
PowerPerData = Annotated[
    float, BeforeValidator(_parser("power per data")), _schema("power per data")
]
Count = Annotated[float, BeforeValidator(_number), Field(ge=0), _NumberSchema]
PositiveCount = Annotated[float, BeforeValidator(_number), Field(gt=0), _NumberSchema]


def _whole(value: float) -> float:
    if not float(value).is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


WholeCount = Annotated[
    float, BeforeValidator(_number), Field(ge=1), AfterValidator(_whole), _NumberSchema
]
"""A count of things that come whole (layers, heads, experts): 1, 2, 3, ..."""
_SHARE, _PUE = RANGES["share"], RANGES["pue"]


def _within(quantity: str) -> AfterValidator:
    """The value inside ``units.RANGES[quantity]`` (canonical unit), else its message."""
    r = RANGES[quantity]

    def check(v: float) -> float:
        if not r.contains(v):
            raise ValueError(f"expected {r.what}, got {v:g} in the canonical unit")
        return v

    return AfterValidator(check)


Fraction = Annotated[
    float, BeforeValidator(_number), Field(ge=_SHARE.low, le=_SHARE.high), _NumberSchema
]
PositiveFraction = Annotated[
    float, BeforeValidator(_number), Field(gt=_SHARE.low, le=_SHARE.high), _NumberSchema
]
Pue = Annotated[float, BeforeValidator(_number), Field(ge=_PUE.low, le=_PUE.high), _NumberSchema]

Method = Literal["measured", "given", "estimated"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Reported(_Model):
    """A published result used as given instead of being computed.

    At least one of ``energy`` or ``co2e`` is needed, and the ``source``.
    Missing water is counted as zero and said so; energy without carbon is
    turned into carbon and water with the phase's grid.
    """

    energy: Energy | None = Field(None, description="Reported energy, e.g. '433196 kWh'.")
    co2e: Mass | None = Field(
        None, description="Reported location-based emissions, e.g. '24.69 tCO2e'."
    )
    co2e_market: Mass | None = Field(
        None, description="Reported market-based emissions, e.g. '0 tCO2e'."
    )
    water: Volume | None = Field(None, description="Reported water consumption, e.g. '5.4 ML'.")
    source: str = Field(
        ..., min_length=3, description="Where the figure is published (citation or URL)."
    )
    note: str | None = Field(None, description="What the figure covers.")

    @model_validator(mode="after")
    def _check(self) -> Reported:
        if self.energy is None and self.co2e is None:
            raise ValueError("a reported result needs 'energy' or 'co2e' (or both)")
        return self


class Grid(_Model):
    """The electricity supply: where the energy is drawn and how clean it is."""

    region: str | None = Field(
        None,
        description=(
            "Grid region: ISO country code ('FR'), US state ('US-VA'), Chinese province "
            "('CN-GZ'), cloud region ('gcp:europe-west1'), or a name ('France'). "
            "See `lcai data show grid_intensity`."
        ),
    )
    boundary: Literal["life-cycle", "direct"] | None = Field(
        None,
        description=(
            "Boundary of the region's carbon factor: 'life-cycle' (generation with fuel "
            "supply and plant construction; the default, so every region compares) or "
            "'direct' (combustion only, where the catalog has it). A phase's grid takes "
            "the top-level one's unless it states its own."
        ),
    )
    co2e_intensity: CarbonIntensity | None = Field(
        None,
        description=(
            "Location-based carbon intensity overriding the region's catalog figure, "
            "e.g. '57 gCO2e/kWh'."
        ),
    )
    water_intensity: WaterIntensity | None = Field(
        None,
        description=(
            "Off-site water consumed per kWh generated (EWIF), overriding the region's "
            "figure, e.g. '3.142 L/kWh'."
        ),
    )
    contract_intensity: CarbonIntensity | None = Field(
        None,
        description=(
            "Market-based: emission factor of contractual instruments (PPA, certificates), "
            "e.g. '0 gCO2e/kWh'. Applies to `contract_share` of the energy."
        ),
    )
    contract_share: Fraction | None = Field(
        None,
        description=(
            "Market-based: share of the energy covered by contracts (0-1, or '60%'). "
            "Default 1 when `contract_intensity` is given."
        ),
    )
    renewable_share: Fraction | None = Field(
        None,
        description=(
            "Market-based shorthand: share covered by renewable contracts at 0 gCO2e/kWh."
        ),
    )
    residual_intensity: CarbonIntensity | None = Field(
        None,
        description=(
            "Market-based: residual-mix factor for the uncovered share; default the "
            "location-based factor (recorded as an assumption)."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Grid:
        if self.renewable_share is not None and self.contract_intensity is not None:
            raise ValueError("give either 'renewable_share' or 'contract_intensity', not both")
        return self

    @property
    def has_market(self) -> bool:
        """Whether a market-based instrument is stated."""
        return self.contract_intensity is not None or self.renewable_share is not None


class Facility(_Model):
    """The data center: overhead (PUE) and on-site water (WUE)."""

    pue: Pue | None = Field(
        None, description="Power usage effectiveness, facility energy / IT energy (>= 1)."
    )
    cooling: Literal["air", "liquid", "immersion"] | None = Field(
        None, description="Cooling technology; gives PUE and WUE when they are not stated."
    )
    operator: str | None = Field(
        None,
        description=(
            "Operator whose published fleet PUE/WUE apply ('google', 'aws', 'microsoft', "
            "'meta'); see `lcai data show facility`."
        ),
    )
    wue: WaterIntensity | None = Field(
        None, description="On-site water per kWh of IT energy, e.g. '0.55 L/kWh'."
    )


class PowerDraw(_Model):
    """Equipment drawing a power for a time, or a measured energy."""

    name: str | None = Field(None, description="Label of the line item.")
    power: Power | None = Field(None, description="Average power per unit, e.g. '280 W'.")
    count: Count = Field(1.0, description="Number of units.")
    duration: Duration | None = Field(None, description="Time drawn; default the phase's duration.")
    energy: Energy | None = Field(None, description="Energy, if known directly, e.g. '1200 kWh'.")

    @model_validator(mode="after")
    def _check(self) -> PowerDraw:
        if self.energy is None and self.power is None:
            raise ValueError("give 'power' (with 'count' and 'duration') or 'energy'")
        if self.energy is not None and self.power is not None:
            raise ValueError("give either 'power' or 'energy', not both")
        return self


class MemoryPower(_Model):
    """Host memory (DRAM) drawing power in proportion to its capacity."""

    capacity: Data = Field(..., description="Total DRAM capacity, e.g. '24 TB' (all nodes).")
    power_per_gb: PowerPerData | None = Field(
        None, description="Power per GB, default from the catalog (servers table)."
    )
    duration: Duration | None = Field(None, description="Default the phase's duration.")


class Network(_Model):
    """Data moved over a network, and the energy that costs."""

    data: Data | None = Field(None, description="Total data moved, e.g. '40 TB'.")
    data_per_request: Data | None = Field(
        None, description="Usage phase only: data delivered per request, e.g. '50 kB'."
    )
    medium: str = Field(
        "fixed",
        description=(
            "Network medium: '4g', '5g', 'fixed', 'dc_link' (see `lcai data show network`)."
        ),
    )
    intensity: NetworkIntensity | None = Field(
        None,
        description=(
            "Energy per GB overriding the medium's figure: '0.0016 kWh/GB' or '620 GB/kWh'."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Network:
        if self.data is None and self.data_per_request is None:
            raise ValueError("give 'data' or 'data_per_request'")
        return self


class ModelSize(_Model):
    """Size of the AI model, for estimates from compute."""

    parameters: PositiveCount = Field(..., description="Total parameters, e.g. '70B' or 7e10.")
    active_parameters: PositiveCount | None = Field(
        None, description="Parameters active per token (mixture of experts); default all."
    )

    @model_validator(mode="after")
    def _check(self) -> ModelSize:
        if self.active_parameters is not None and self.active_parameters > self.parameters:
            raise ValueError("active_parameters cannot exceed parameters")
        return self

    @property
    def active(self) -> float:
        """Parameters active per token."""
        return self.active_parameters if self.active_parameters is not None else self.parameters


class Accelerators(_Model):
    """The accelerators (GPUs, TPUs) of a training run.

    The energy is obtained one of three ways, the first that applies:
    ``energy`` (measured), ``gpu_hours`` or ``count`` x ``duration`` (given),
    or ``flops`` / ``model`` + ``tokens`` (estimated from compute).
    """

    type: str | None = Field(
        None,
        description="Accelerator model from the catalog, e.g. 'A100-SXM4-80GB', 'H100', 'TPU-v4'.",
    )
    count: PositiveCount | None = Field(None, description="Number of accelerators.")
    duration: Duration | None = Field(None, description="Wall-clock time, e.g. '118 days'.")
    gpu_hours: Duration | None = Field(
        None, description="Accelerator-hours in total, e.g. '1082990 h' or '1.3M h'."
    )
    power: Power | None = Field(
        None,
        description="Average power per accelerator, e.g. '400 W'; default the catalog TDP.",
    )
    energy: Energy | None = Field(
        None, description="Measured accelerator energy (then method is 'measured')."
    )
    energy_source: str | None = Field(
        None, description="Where the measured energy comes from (a tracker run, a paper)."
    )
    model: ModelSize | None = Field(None, description="Model size, to estimate compute.")
    tokens: PositiveCount | None = Field(
        None, description="Training tokens, to estimate compute: '2T' or 2e12."
    )
    flops: Compute | None = Field(
        None, description="Training compute, e.g. '3.14e23 FLOP' (instead of model + tokens)."
    )
    precision: Literal["bf16", "fp8"] = Field(
        "bf16",
        description=(
            "Precision of the matrix math: 'fp8' takes the accelerator's FP8 peak and the "
            "catalog's FP8 utilisation."
        ),
    )
    goodput: PositiveFraction | None = Field(
        None,
        description=(
            "Productive share of the accelerators' wall-clock time (restarts, evaluation, "
            "checkpoints lost); default from the catalog."
        ),
    )
    mfu: PositiveFraction | None = Field(
        None,
        description="Model FLOPs utilisation of the accelerator's peak; default from the catalog.",
    )
    peak: ComputeRate | None = Field(
        None, description="Peak dense throughput per accelerator; default from the catalog."
    )

    @model_validator(mode="after")
    def _check(self) -> Accelerators:
        if self.gpu_hours is not None and self.count is not None and self.duration is not None:
            raise ValueError("give 'gpu_hours' or 'count' and 'duration', not all three")
        has_hours = self.gpu_hours is not None or (
            self.count is not None and self.duration is not None
        )
        has_compute = self.flops is not None or (self.model is not None and self.tokens is not None)
        if self.energy is None and not has_hours and not has_compute:
            raise ValueError(
                "say how to get the energy: 'energy' (measured), 'gpu_hours' or "
                "'count' + 'duration' (given), or 'flops' / 'model' + 'tokens' (estimated)"
            )
        if self.model is not None and self.tokens is None and self.flops is None and not has_hours:
            raise ValueError("'model' needs 'tokens' to estimate the training compute")
        return self

    @property
    def method(self) -> Method:
        """How the energy is obtained."""
        if self.energy is not None:
            return "measured"
        if self.gpu_hours is not None or (self.count is not None and self.duration is not None):
            return "given"
        return "estimated"


def _runs(v: Any) -> Any:
    if isinstance(v, str):
        return {"runs": [v]}
    if isinstance(v, list):
        return {"runs": v}
    return v


class MeasuredRuns(_Model):
    """Run files written by `lcai track`, whose energy the phase uses as measured."""

    runs: list[str] = Field(
        default_factory=list, description="Run files or glob patterns, relative to this file."
    )
    fleet: str | None = Field(
        None,
        description=(
            "The jobs.csv written by `lcai fleet account`: the IT energy of its jobs (those "
            "matching `model` / `project` / `phase`) is the phase's measured energy."
        ),
    )
    model: str | None = Field(None, description="With `fleet`: only this model's jobs.")
    project: str | None = Field(None, description="With `fleet`: only this project's jobs.")
    phase: str | None = Field(
        None, description="With `fleet`: only jobs of this phase (training, inference)."
    )

    @model_validator(mode="after")
    def _check(self) -> MeasuredRuns:
        if not self.runs and self.fleet is None:
            raise ValueError("give 'runs' (lcai track files) or 'fleet' (lcai fleet jobs.csv)")
        return self

    hourly_intensity: str | None = Field(
        None,
        description=(
            "CSV of hourly grid intensity (timestamp, region, gco2e_per_kwh), matched to the "
            "samples' hours instead of the annual factor."
        ),
    )


Measured = Annotated[MeasuredRuns, BeforeValidator(_runs)]


class _Phase(_Model):
    grid: Grid | None = Field(None, description="Electricity supply of this phase.")
    reported: Reported | None = Field(
        None, description="A published result for the phase, used instead of computing it."
    )


class _DataCenterPhase(_Phase):
    facility: Facility | None = Field(None, description="Data center of this phase.")


class Training(_DataCenterPhase):
    """Training: accelerators plus host CPU, memory, storage, idle and network."""

    accelerators: Accelerators | None = Field(None, description="The accelerators.")
    measured: Measured | None = Field(
        None,
        description=(
            "Run files from `lcai track` (e.g. 'runs/train-*.jsonl'): their energy is the "
            "measured IT energy of training."
        ),
    )
    cpu: PowerDraw | None = Field(None, description="Host CPUs (power per CPU and count).")
    memory: MemoryPower | None = Field(None, description="Host DRAM.")
    storage: PowerDraw | None = Field(None, description="Storage systems.")
    idle: PowerDraw | None = Field(
        None, description="Idle and always-on equipment not counted above."
    )
    interconnect: PowerDraw | None = Field(
        None,
        description=(
            "The cluster's switch links and optics, e.g. {power: 14 W, count: 4096} for "
            "800G links with pluggable optics."
        ),
    )
    network: Network | None = Field(None, description="Data transferred to the training site.")

    @model_validator(mode="after")
    def _check(self) -> Training:
        if self.reported is None and self.accelerators is None and self.measured is None:
            raise ValueError(
                "training needs 'accelerators', 'measured' runs or a 'reported' result"
            )
        return self


PRECISION_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "fp4": 0.5,
    "mxfp4": 0.53125,
}
"""Bytes per stored value by precision. MXFP4 (OCP Microscaling Formats v1.0, 2023)
stores 4-bit elements with one 8-bit scale per block of 32: 4.25 bits."""
Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4", "mxfp4"]


def _served_model(v: Any) -> Any:
    return {"name": v} if isinstance(v, str) else v


class ServedModel(_Model):
    """The served model: a name from the models table (``lcai data show models``), its
    numbers, or a name with some numbers overridden."""

    name: str | None = Field(
        None, description="A model of the catalog's models table, e.g. 'llama-3.1-70b'."
    )
    parameters: Annotated[PositiveCount, _within("model_parameters")] | None = Field(
        None, description="Total parameters, e.g. '70B'; from the table when a name is given."
    )
    active_parameters: PositiveCount | None = Field(
        None, description="Parameters active per token (mixture of experts); default all."
    )
    layers: WholeCount | None = Field(None, description="Transformer layers.")
    attention_heads: WholeCount | None = Field(None, description="Query heads per layer.")
    kv_heads: WholeCount | None = Field(
        None, description="Key/value heads per layer (grouped-query attention)."
    )
    head_dim: WholeCount | None = Field(None, description="Dimension of one head.")
    kv_elements_per_layer: PositiveCount | None = Field(
        None,
        description=(
            "KV-cache values stored per token and layer when not 2 x kv_heads x head_dim "
            "(576 for DeepSeek-V3's multi-head latent attention)."
        ),
    )
    experts: WholeCount | None = Field(
        None, description="Routed experts per MoE layer (mixture of experts)."
    )
    experts_per_token: WholeCount | None = Field(
        None, description="Routed experts each token uses."
    )
    weight_precision: Precision | None = Field(
        None, description="Precision of the served weights: bf16 (default), fp8, int8, int4."
    )
    kv_precision: Precision | None = Field(
        None, description="Precision of the KV cache; default bf16."
    )

    @model_validator(mode="after")
    def _check(self) -> ServedModel:
        if self.name is None and self.parameters is None:
            raise ValueError("give 'name' (a model of the catalog) or 'parameters'")
        if (
            self.active_parameters is not None
            and self.parameters is not None
            and self.active_parameters > self.parameters
        ):
            raise ValueError("active_parameters cannot exceed parameters")
        if (self.experts is None) != (self.experts_per_token is None):
            raise ValueError("give 'experts' and 'experts_per_token' together")
        if (
            self.experts is not None
            and self.experts_per_token is not None
            and self.experts_per_token > self.experts
        ):
            raise ValueError("experts_per_token cannot exceed experts")
        if (
            self.attention_heads is not None
            and self.kv_heads is not None
            and self.kv_heads > self.attention_heads
        ):
            raise ValueError("kv_heads cannot exceed attention_heads")
        return self


class Inference(_Model):
    """Estimate energy per request from the model and hardware: prefill compute-bound,
    each decode step the slower of reading weights and KV cache and computing, shared
    by the batch; accelerator power from how busy it is."""

    model: Annotated[ServedModel, BeforeValidator(_served_model)] = Field(
        ..., description="The model: a name from the catalog ('llama-3.1-8b') or its numbers."
    )
    accelerator: str = Field(..., description="Accelerator type from the catalog, e.g. 'H100'.")
    input_tokens: Annotated[Count, _within("tokens_per_request")] = Field(
        ..., description="Input (prompt) tokens per request."
    )
    output_tokens: Annotated[Count, _within("tokens_per_request")] = Field(
        ..., description="Output (generated) tokens per request."
    )
    power: Annotated[Power, _within("accelerator_power_w")] | None = Field(
        None,
        description=(
            "Average power per accelerator while serving; default from the load (a share "
            "of TDP that grows with how compute-bound each step is)."
        ),
    )
    prefill_utilisation: PositiveFraction | None = Field(
        None, description="Fraction of peak FLOP/s reached in prefill; default from catalog."
    )
    decode_utilisation: PositiveFraction | None = Field(
        None,
        description=(
            "Fraction of peak FLOP/s a compute-bound decode step reaches; default from catalog."
        ),
    )
    bandwidth_utilisation: PositiveFraction | None = Field(
        None,
        description=(
            "Fraction of peak memory bandwidth a memory-bound decode step reaches; default "
            "from catalog."
        ),
    )
    step_overhead: Annotated[Duration, _within("step_overhead_h")] | None = Field(
        None,
        description=(
            "Time per decode step outside the roofline (scheduling, sampling, launches), "
            "e.g. '2 ms'; default from catalog."
        ),
    )
    peak: Annotated[PositiveComputeRate, _within("peak_flop_per_s")] | None = Field(
        None, description="Peak dense FLOP/s per accelerator."
    )
    batch_size: Annotated[PositiveCount, _within("batch")] | None = Field(
        None,
        description=(
            "Requests decoded together; default the running batch of common serving "
            "stacks (catalog), lowered to what the accelerators' memory holds."
        ),
    )
    accelerators: PositiveCount | None = Field(
        None,
        description=(
            "Accelerators serving one model replica (tensor parallelism); default the fewest "
            "whose memory holds the weights."
        ),
    )
    bytes_per_parameter: PositiveCount | None = Field(
        None,
        description=(
            "Bytes per weight, 2 for BF16 or 1 for FP8/INT8; prefer model.weight_precision."
        ),
    )
    memory_bandwidth: Annotated[PositiveDataRate, _within("bandwidth_gb_per_s")] | None = Field(
        None, description="Memory bandwidth per accelerator; default from the catalog."
    )
    expert_execution: Literal["routed", "all"] = Field(
        "routed",
        description=(
            "How the serving stack runs a mixture-of-experts layer: 'routed' reads and "
            "computes only the experts the batch's tokens are routed to (serving engines "
            "with fused MoE kernels); 'all' computes every expert for every token and "
            "weights the outputs, as the gpt-oss code of Hugging Face Transformers "
            "4.55-4.57 does at inference on GPU with BF16 weights."
        ),
    )


class Provisioned(_Model):
    """Serving described by the fleet: N accelerators (and their hosts) over the
    deployment at an average utilisation."""

    accelerator: str = Field(..., description="Accelerator type from the catalog, e.g. 'H100'.")
    count: PositiveCount = Field(..., description="Accelerators provisioned for the model.")
    utilisation: PositiveFraction = Field(
        ..., description="Share of the provisioned time the accelerators are busy, e.g. 0.4."
    )
    duration: Duration | None = Field(
        None, description="How long they are provisioned; default usage.deployment."
    )
    power: Power | None = Field(
        None,
        description="Average power of a busy accelerator; default the catalog's load model.",
    )


class Usage(_DataCenterPhase):
    """Serving the model over its deployment."""

    deployment: Duration | None = Field(
        None, description="Deployment period, e.g. '1 year' (with `requests_per_day`)."
    )
    requests: Count | None = Field(None, description="Requests served in total.")
    requests_per_day: Count | None = Field(
        None, description="Requests per day (with `deployment`)."
    )
    energy_per_request: Energy | None = Field(
        None, description="IT energy per request, e.g. '4 Wh' (given)."
    )
    energy: Energy | None = Field(None, description="Measured IT energy of serving in total.")
    measured: Measured | None = Field(
        None, description="Run files from `lcai track` measuring the serving (IT energy)."
    )
    energy_source: str | None = Field(None, description="Where the measured energy comes from.")
    inference: Inference | None = Field(
        None, description="Estimate energy per request from model size and hardware."
    )
    requests_per_session: PositiveCount | None = Field(
        None,
        description=(
            "Requests (turns) in one chat session, for results per session; default from catalog."
        ),
    )
    provisioned: Provisioned | None = Field(
        None,
        description=(
            "Serving described by the fleet (accelerators x deployment x utilisation) "
            "instead of per request."
        ),
    )
    network: Network | None = Field(None, description="Delivery of responses to users.")
    idle: PowerDraw | None = Field(
        None,
        description=(
            "Provisioned idle capacity as a power draw; replaces the default one (busy "
            "accelerator time x (1 - fleet utilisation) / fleet utilisation at idle power)."
        ),
    )
    boundary: Literal["accelerator", "it", "facility"] = Field(
        "facility",
        description=(
            "What serving counts: 'accelerator' (the busy accelerators only, as measurement "
            "papers report), 'it' (with host CPU and memory, idle capacity and the serving "
            "hardware's embodied share), 'facility' (IT plus facility overhead with PUE and "
            "network delivery; the default)."
        ),
    )
    fleet_utilisation: PositiveFraction | None = Field(
        None,
        description=(
            "Share of provisioned serving capacity that is busy, for the idle capacity and "
            "the embodied share; default from catalog."
        ),
    )
    host_power: Power | None = Field(
        None,
        description=(
            "Power of the host (CPUs, memory, rest of the server) per accelerator while "
            "serving; default from catalog."
        ),
    )
    embodied: bool | None = Field(
        None,
        description=(
            "Count the serving hardware's embodied carbon and fabrication water per "
            "accelerator-second; default yes unless the file has a manufacturing phase."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Usage:
        if self.reported is not None:
            return self
        if self.requests is not None and self.requests_per_day is not None:
            raise ValueError("give 'requests' or 'requests_per_day' (with 'deployment'), not both")
        if self.requests_per_day is not None and self.deployment is None:
            raise ValueError("'requests_per_day' needs 'deployment'")
        ways = [
            self.energy is not None,
            self.measured is not None,
            self.energy_per_request is not None,
            self.inference is not None,
            self.provisioned is not None,
        ]
        if sum(ways) != 1:
            raise ValueError(
                "give exactly one of 'energy' or 'measured' (measured), 'energy_per_request' "
                "(given), 'inference' (estimated per request) or 'provisioned' (estimated "
                "from the fleet)"
            )
        pv = self.provisioned
        if pv is not None and pv.duration is None and self.deployment is None:
            raise ValueError("'provisioned' needs its 'duration' or usage 'deployment'")
        given_total = self.energy is not None or self.measured is not None
        if not given_total and self.provisioned is None and self.total_requests is None:
            raise ValueError("give 'requests', or 'requests_per_day' and 'deployment'")
        return self

    @property
    def total_requests(self) -> float | None:
        """Requests over the whole deployment, where known."""
        if self.requests is not None:
            return self.requests
        if self.requests_per_day is not None and self.deployment is not None:
            return self.requests_per_day * self.deployment / 24.0
        return None


class Component(_Model):
    """A piece of hardware whose manufacturing is allocated to the model."""

    name: str | None = Field(None, description="Label of the line item.")
    hardware: str | None = Field(
        None, description="Accelerator from the catalog, e.g. 'H100' (gives embodied figures)."
    )
    embodied: Mass | None = Field(
        None, description="Embodied carbon per unit, e.g. '150 kgCO2e' (overrides the catalog)."
    )
    embodied_method: str | None = Field(
        None,
        description=(
            "Which published embodied figure to use for `hardware`: 'manufacturer' "
            "(product carbon footprint), 'lca' (peer-reviewed LCA), 'parametric', "
            "'bottom_up', 'luccioni', 'die_only', or 'die_area' (die area x carbon per "
            "area + memory x carbon per GB). Default: the first the catalog has, in that order."
        ),
    )
    die_area: Area | None = Field(None, description="Die area for the die-area method, '814 mm2'.")
    process_node: str | None = Field(
        None, description="Process node for the die-area method, e.g. '5nm'."
    )
    memory: Data | None = Field(None, description="Memory per unit for the die-area method.")
    memory_type: Literal["dram", "hbm", "ssd"] | None = Field(
        None,
        description=(
            "Memory type for its carbon-per-GB factor; default 'hbm' for a catalog "
            "accelerator, else 'dram'."
        ),
    )
    fab_water: Volume | None = Field(
        None, description="Fabrication water per unit, e.g. '100 L' (overrides the estimate)."
    )
    count: PositiveCount | None = Field(None, description="Number of units.")
    duration: Duration | None = Field(None, description="Time each unit serves this model.")
    unit_hours: Duration | None = Field(
        None, description="Unit-hours in total (instead of count x duration)."
    )
    accelerators_per_unit: PositiveCount | None = Field(
        None,
        description=(
            "For shared parts (servers): one unit per this many training accelerators; "
            "unit-hours follow the training accelerator-hours."
        ),
    )
    lifetime: Duration | None = Field(None, description="Service life, e.g. '6 years'.")
    utilization: PositiveFraction | None = Field(
        None, description="Average utilisation over the life (0-1)."
    )

    @model_validator(mode="after")
    def _check(self) -> Component:
        if all(v is None for v in (self.embodied, self.hardware, self.die_area, self.memory)):
            raise ValueError("give 'embodied', 'hardware', or 'die_area'/'memory'")
        if self.lifetime is not None and self.lifetime <= 0:
            raise ValueError("lifetime must be positive")
        if self.unit_hours is not None and (self.count is not None or self.duration is not None):
            raise ValueError("give 'unit_hours' or 'count' and 'duration', not both")
        lone = (self.count is None) != (self.duration is None)
        if lone and self.unit_hours is None and self.accelerators_per_unit is None:
            raise ValueError("'count' and 'duration' go together")
        return self


class Manufacturing(_Phase):
    """Embodied impact of the hardware, allocated to the model."""

    components: list[Component] = Field(
        default_factory=list, description="The hardware components."
    )

    @model_validator(mode="after")
    def _check(self) -> Manufacturing:
        if self.reported is None and not self.components:
            raise ValueError("manufacturing needs 'components' or a 'reported' result")
        return self


class Device(_Model):
    """A device an annotator uses: a catalog device or one described here."""

    device: str = Field(..., description="'laptop', 'desktop', 'monitor', or a label.")
    count: PositiveCount = Field(1.0, description="Devices per annotator.")
    power: Power | None = Field(None, description="Average in-use power; default catalog.")
    embodied: Mass | None = Field(None, description="Embodied carbon per device; default catalog.")
    lifetime: Duration | None = Field(None, description="Service life; default catalog.")


def _device(v: Any) -> Any:
    return {"device": v} if isinstance(v, str) else v


_CALENDAR = {
    "d": "day", "day": "day", "days": "day", "week": "week", "weeks": "week",
    "month": "month", "months": "month", "y": "year", "yr": "year", "yrs": "year",
    "year": "year", "years": "year",
}  # fmt: skip


class WorkPeriod(_Model):
    """A calendar period of a person's work ('3 months'), counted in working hours."""

    amount: PositiveCount = Field(..., description="How many days, weeks, months or years.")
    unit: Literal["day", "week", "month", "year"] = Field(..., description="The period.")


def _work_time(v: Any) -> Any:
    """'400 h' -> hours; '3 months', '2 weeks' -> a WorkPeriod (working hours, not 24/7)."""
    if isinstance(v, str):
        try:
            amount, unit = split_quantity(v)
        except UnitError:
            return v  # the hours parser says what is wrong
        period = _CALENDAR.get(unit.strip().lower())
        if period is not None:
            return WorkPeriod(amount=amount, unit=period)
    return v


WorkTime = Annotated[
    WorkPeriod | Duration,
    BeforeValidator(_work_time),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}],
            "x-dimension": "time",
            "description": "hours ('400 h'), or a calendar period of work ('3 months')",
            "examples": ["400 h", "3 months"],
        }
    ),
]


class Annotation(_Phase):
    """Data annotation: the annotators' computers, their use and their embodied share."""

    annotators: PositiveCount | None = Field(None, description="Number of annotators.")
    hours: WorkTime | None = Field(
        None,
        description=(
            "Working time per annotator: hours ('400 h'), or a calendar period of full-time "
            "work ('3 months' = 3 x 173.3 working hours, not 24/7)."
        ),
    )
    person_hours: WorkTime | None = Field(
        None,
        description=(
            "Total annotation time (instead of annotators x hours): hours, or a period of "
            "full-time work ('18 months')."
        ),
    )
    devices: list[Annotated[Device, BeforeValidator(_device)]] = Field(
        default_factory=lambda: [Device(device="laptop")],
        description="Devices per annotator, e.g. ['laptop', 'monitor']; default a laptop.",
    )
    annual_use: Duration | None = Field(
        None,
        description=(
            "Hours a device is used per year, to spread its embodied carbon; default the "
            "catalog's working hours per year."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Annotation:
        if self.reported is not None:
            return self
        if self.person_hours is None and (self.annotators is None or self.hours is None):
            raise ValueError("give 'annotators' and 'hours', or 'person_hours'")
        if self.person_hours is not None and self.hours is not None:
            raise ValueError("give 'hours' (with 'annotators') or 'person_hours', not both")
        return self


_FU_WHAT = {
    "request": "requests",
    "token": "tokens",
    "query": "requests",
    "prompt": "requests",
    "session": "sessions",
    "chat session": "sessions",
    "conversation": "sessions",
}


def _functional_unit_text(v: str) -> dict[str, Any]:
    """'life cycle' | 'per [N] requests' | 'per [N] tokens' (N may be '1M', '1,000')."""
    text = v.strip().lower().replace("-", " ")
    if text in ("life cycle", "lifecycle", "whole life cycle", "the whole life cycle"):
        return {"per": "life_cycle"}
    words = v.strip().split(None, 1)
    rest = words[1] if len(words) == 2 and words[0].lower() == "per" else ""
    try:
        amount, what = split_quantity(rest)
    except UnitError:
        amount, what = 1.0, rest
    singular = what.strip().lower().removesuffix("s").replace("querie", "query")
    if singular not in _FU_WHAT:
        raise ValueError(
            "expected 'life cycle', 'per N requests', 'per N tokens' or 'per N sessions' "
            f"(e.g. 'per 1000 requests', 'per 1M tokens', 'per chat session'), got {v!r}"
        )
    return {"per": _FU_WHAT[singular], "amount": amount}


def _functional_unit(v: Any) -> Any:
    return _functional_unit_text(v) if isinstance(v, str) else v


class FunctionalUnit(_Model):
    """What the results are expressed per."""

    per: Literal["life_cycle", "requests", "tokens", "sessions"] = Field(
        "life_cycle", description="'life_cycle', 'requests', 'tokens' or 'sessions'."
    )
    amount: PositiveCount = Field(1.0, description="How many requests or tokens, e.g. 1000.")

    def describe(self) -> str:
        """Human text: 'the whole life cycle', 'per 1,000 requests'."""
        if self.per == "life_cycle":
            return "the whole life cycle"
        amount = self.amount
        if amount >= 1e6 and amount % 1e6 == 0:
            text = f"{amount / 1e6:g} million"
        else:
            text = f"{amount:,.0f}" if amount == int(amount) else f"{amount:g}"
        noun = self.per.removesuffix("s") if amount == 1 else self.per
        return f"per {text} {noun}"


class Hardware(_Model):
    """An accelerator the catalog lacks, described in the file: named wherever the file
    names an accelerator (training, serving, manufacturing). Give what is known; a method
    that needs a missing figure says which."""

    name: str = Field(..., min_length=1, max_length=100, description="Its name, e.g. 'my-npu'.")
    label: str | None = Field(None, description="Human name, e.g. 'Vendor NPU 2'.")
    tdp: Annotated[Power, Field(gt=0), _within("accelerator_power_w")] | None = Field(
        None, description="Thermal design power (maximum board power)."
    )
    peak_dense_bf16: Annotated[ComputeRate, Field(gt=0), _within("peak_flop_per_s")] | None = Field(
        None, description="Dense BF16 peak FLOP/s."
    )
    peak_dense_fp8: Annotated[ComputeRate, Field(gt=0), _within("peak_flop_per_s")] | None = Field(
        None, description="Dense FP8 peak FLOP/s."
    )
    memory: Annotated[Data, Field(gt=0)] | None = Field(
        None, description="Accelerator memory, e.g. '96 GB'."
    )
    memory_bandwidth: Annotated[DataRate, Field(gt=0), _within("bandwidth_gb_per_s")] | None = (
        Field(None, description="Memory bandwidth, '3 TB/s'.")
    )
    die_area: Area | None = Field(None, description="Compute die area, e.g. '600 mm2'.")
    embodied: Mass | None = Field(
        None, description="Embodied carbon per unit as published (a product footprint)."
    )

    @model_validator(mode="after")
    def _check(self) -> Hardware:
        given = [f for f in HARDWARE_ROWS if getattr(self, f) is not None]
        if not given:
            raise ValueError("give at least one figure (tdp, peak_dense_bf16, memory, ...)")
        return self


HARDWARE_ROWS = {
    "tdp": DIMENSIONS["power"].canonical,
    "peak_dense_bf16": DIMENSIONS["compute rate"].canonical,
    "peak_dense_fp8": DIMENSIONS["compute rate"].canonical,
    "memory": DIMENSIONS["data"].canonical,
    "memory_bandwidth": DIMENSIONS["data rate"].canonical,
    "die_area": DIMENSIONS["area"].canonical,
    "embodied": DIMENSIONS["mass"].canonical,
}
"""Fields of :class:`Hardware` and the canonical unit each is stored in."""


class Assessment(_Model):
    """One AI model (or workload) over its life cycle."""

    name: str = Field(..., min_length=1, description="Name of the model or workload.")
    description: str | None = Field(None, description="Free text.")
    functional_unit: Annotated[FunctionalUnit, BeforeValidator(_functional_unit)] = Field(
        default_factory=FunctionalUnit,
        description="'life cycle' (default), 'per 1000 requests', 'per 1M tokens'.",
        json_schema_extra={"default": "life cycle"},
    )
    grid: Grid | None = Field(None, description="Default electricity supply for every phase.")
    facility: Facility | None = Field(None, description="Default data center for every phase.")
    manufacturing: Manufacturing | None = Field(
        None, description="Embodied impact of the hardware, allocated to the model."
    )
    training: Training | None = Field(None, description="Training runs in a data center.")
    annotation: Annotation | None = Field(None, description="Data annotation by people.")
    usage: Usage | None = Field(None, description="Serving the model over its deployment.")
    reported: Reported | None = Field(
        None,
        description=(
            "A published result covering several phases that cannot be split; it is "
            "counted under 'unallocated'."
        ),
    )
    sources: list[str] = Field(
        default_factory=list, description="References for the inputs of this file."
    )
    hardware: list[Hardware] = Field(
        default_factory=list,
        description="Accelerators the catalog lacks, described here and named like catalog ones.",
        max_length=100,
    )

    @model_validator(mode="after")
    def _check(self) -> Assessment:
        phases = (self.manufacturing, self.training, self.annotation, self.usage)
        if all(p is None for p in phases) and self.reported is None:
            raise ValueError(
                "an assessment needs at least one phase (manufacturing, training, "
                "annotation, usage) or a 'reported' result"
            )
        if self.functional_unit.per != "life_cycle" and (
            self.usage is None or self.usage.reported is not None
        ):
            raise ValueError(
                f"functional unit '{self.functional_unit.describe()}' needs a computed "
                "usage phase (requests served)"
            )
        if self.functional_unit.per == "tokens" and (
            self.usage is None or self.usage.inference is None
        ):
            raise ValueError(
                "a functional unit per tokens needs usage.inference (tokens per request)"
            )
        return self
