"""Names shared between modules: the parameter keys other modules read, and item kinds.

A plan's parameters are keyed by their field path in the assessment file
(``training.accelerators.power``). The keys that more than one module reads
(plausibility, validation, scenarios) are named here, once. May import nothing of lcai.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "ANNOTATION_HOURS",
    "INFERENCE_BUSY_SECONDS",
    "INFERENCE_DECODE_ENERGY",
    "INFERENCE_DECODE_SECONDS",
    "INFERENCE_INPUT_TOKENS",
    "INFERENCE_OUTPUT_TOKENS",
    "INFERENCE_POWER",
    "INFERENCE_PREFILL_ENERGY",
    "INFERENCE_PREFILL_SECONDS",
    "ITEM_KINDS",
    "PHASES",
    "REQUESTS",
    "REQUESTS_PER_SESSION",
    "SLOT_INFERENCE",
    "SLOT_TRAINING",
    "TRAINING_GPU_HOURS",
    "TRAINING_POWER",
    "UNALLOCATED",
    "ItemKind",
    "grid_intensity",
    "pue",
    "water_intensity",
    "wue",
]

PHASES = ("manufacturing", "training", "annotation", "usage")
"""The four life-cycle phases, in the order results list them."""
UNALLOCATED = "unallocated"
"""Where a result counts a published figure that covers several phases."""

TRAINING_POWER = "training.accelerators.power"
"""Average power of one training accelerator [W]."""
INFERENCE_POWER = "usage.inference.power"
"""Average power of one serving accelerator [W]."""
INFERENCE_OUTPUT_TOKENS = "usage.inference.output_tokens"
"""Output tokens per request [-]."""
REQUESTS = "usage.requests"
"""Requests served over the deployment [-]."""
INFERENCE_INPUT_TOKENS = "usage.inference.input_tokens"
"""Input tokens per request [-]."""
INFERENCE_PREFILL_SECONDS = "usage.inference.prefill_seconds"
"""Accelerator-seconds of prefill per request [s]."""
INFERENCE_DECODE_SECONDS = "usage.inference.decode_seconds"
"""Accelerator-seconds of decode per request [s]; outside the accelerator boundary only."""
INFERENCE_BUSY_SECONDS = "usage.inference.busy_seconds"
"""Accelerator-seconds per request, prefill + decode [s]; outside the accelerator boundary
only (hosts, idle capacity and serving hardware read it)."""
INFERENCE_PREFILL_ENERGY = "usage.inference.prefill_energy"
"""Accelerator energy of prefill per request [kWh]."""
INFERENCE_DECODE_ENERGY = "usage.inference.decode_energy"
"""Accelerator energy of decode per request [kWh]."""
REQUESTS_PER_SESSION = "usage.requests_per_session"
"""Requests (turns) of one chat session [-]."""
TRAINING_GPU_HOURS = "training.accelerators.gpu_hours"
"""Accelerator-hours of training, where the file states them [h]."""
ANNOTATION_HOURS = "annotation.hours"
"""Working hours of one annotator [h]."""

SLOT_TRAINING = "training.accelerators"
"""Where a plan records the catalog key of the training accelerator."""
SLOT_INFERENCE = "usage.inference"
"""Where a plan records the catalog key of the serving accelerator."""


def grid_intensity(phase: str) -> str:
    """Key of a phase's location-based grid carbon intensity [kgCO2e/kWh]."""
    return f"{phase}.grid.co2e_intensity"


def water_intensity(phase: str) -> str:
    """Key of a phase's off-site water intensity of electricity [L/kWh]."""
    return f"{phase}.grid.water_intensity"


def pue(phase: str) -> str:
    """Key of a phase's facility PUE [-]."""
    return f"{phase}.facility.pue"


def wue(phase: str) -> str:
    """Key of a phase's facility on-site water use per kWh of IT energy [L/kWh]."""
    return f"{phase}.facility.wue"


ItemKind = Literal[
    "accelerators",
    "serving",
    "host",
    "memory",
    "storage",
    "idle",
    "interconnect",
    "network",
    "overhead",
    "measured",
    "measured-estimate",
    "reported",
    "embodied",
    "annotation-device",
    "annotation-embodied",
]
"""What a line item counts; stable in the JSON result (``items[].kind``), unlike its name."""

ITEM_KINDS: tuple[str, ...] = get_args(ItemKind)
