"""The replica serving a model: how many accelerators hold its weights, their peak
FLOP/s at the weights' precision, and the memory left for the KV cache."""

from __future__ import annotations

import math

from lcai import catalog
from lcai.errors import SpecError
from lcai.resolver.hardware import peak
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import Inference

__all__ = ["MEMORY_HEADROOM", "replica", "replica_peak"]

IP = "usage.inference"
PATH: tuple[str | int, ...] = ("usage", "inference")
MEMORY_HEADROOM = 0.9
"""Share of accelerator memory a serving engine uses for weights and KV cache (vLLM's
``gpu_memory_utilization`` default, vLLM engine arguments documentation)."""


def replica_peak(ledger: Ledger, inf: Inference, key: str, bits: float) -> str:
    """Peak FLOP/s: given, FP8 for 8-bit weights where the accelerator has FP8 units,
    else dense BF16 (4-bit weights are dequantised to 16-bit for the matrix units)."""
    if inf.peak is not None:
        return ledger.user(f"{IP}.peak", inf.peak, "FLOP/s")
    acc = catalog.table("accelerators")
    if 4.5 < bits <= 8.0 and acc.has(key, "peak_dense_fp8"):
        return ledger.factor(
            f"{IP}.peak",
            "accelerators",
            key,
            "peak_dense_fp8",
            "FLOP/s",
            path=(*PATH, "accelerator"),
            kind="accelerator",
            note="8-bit weights",
        )
    return peak(ledger, key, IP, PATH)


def replica(ledger: Ledger, inf: Inference, key: str, weight_gb: float) -> tuple[str, float]:
    """(key of the accelerators of one replica, their memory [GB]): given (and able to
    hold the weights), or the fewest whose usable memory holds them."""
    acc = catalog.table("accelerators")
    mem = acc.factor(key, "memory", "GB").value if acc.has(key, "memory") else math.inf
    if inf.accelerators is not None:
        if weight_gb > inf.accelerators * mem:
            raise SpecError(
                f"{inf.accelerators:g} x {mem:g} GB cannot hold the weights ({weight_gb:,.0f} GB)",
                path=(*PATH, "accelerators"),
            )
        return ledger.user(f"{IP}.accelerators", inf.accelerators, "1"), inf.accelerators * mem
    fit = max(math.ceil(weight_gb / (mem * MEMORY_HEADROOM)), 1) if math.isfinite(mem) else 1
    fit = 2 ** math.ceil(math.log2(fit))  # tensor parallelism splits heads in powers of two
    note = (
        f"fewest {key} (a power of two, as tensor parallelism splits the heads) whose memory "
        f"({MEMORY_HEADROOM:.0%} usable) holds {weight_gb:,.0f} GB of weights"
    )
    return ledger.add(f"{IP}.accelerators", fit, "1", "derived", None, note), fit * mem
