"""The replica serving a model: how many accelerators hold its weights, their peak
FLOP/s at the weights' precision, and the memory left for the KV cache."""

from __future__ import annotations

import math

import numpy as np

from lcai import catalog
from lcai.engine.plan import Fn, Params
from lcai.errors import SpecError
from lcai.model.num import Num
from lcai.resolver.factors import IP, PATH, derive
from lcai.resolver.hardware import peak
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import Inference

__all__ = ["MEMORY_HEADROOM", "replica", "replica_peak"]

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


def _pow2(x: Num) -> Num:
    """The smallest power of two >= x (>= 1): tensor parallelism splits the heads evenly."""
    return np.exp2(np.ceil(np.log2(np.maximum(np.ceil(x), 1.0))))


def replica(
    ledger: Ledger, inf: Inference, key: str, weights_gb: Fn, kv_gb: Fn, batch: Fn
) -> tuple[str, str | None]:
    """(key of the accelerators of one replica, key of the memory of one [GB], None where
    the catalog has none).

    Given (whole, and able to hold the weights in their usable memory), or derived per
    sample: the fewest, a power of two, whose usable memory holds the weights and the
    batch's KV cache (``kv_gb`` per request), but no more than a node of 8 for the KV
    cache alone (beyond that, the batch is lowered to what fits)."""
    mk = None
    mem = math.inf
    if catalog.table("accelerators").has(key, "memory"):
        # a parameter (not a number in a closure): a catalog change of it is attributed
        mk = ledger.factor(f"{IP}.accelerator_memory", "accelerators", key, "memory", "GB",
                           path=(*PATH, "accelerator"), kind="accelerator")  # fmt: skip
        mem = ledger.params[mk].value
    usable = mem * MEMORY_HEADROOM
    if inf.accelerators is not None:
        g = inf.accelerators
        if g != math.floor(g):
            raise SpecError(
                f"a whole number of accelerators, got {g:g}", path=(*PATH, "accelerators")
            )
        nominal: Params = {n: np.float64(q.value) for n, q in ledger.params.items()}
        w = float(np.asarray(weights_gb(nominal)))
        if w > g * usable:
            raise SpecError(
                f"{g:g} x {mem:g} GB ({MEMORY_HEADROOM:.0%} usable) cannot hold the weights "
                f"({w:,.1f} GB)",
                path=(*PATH, "accelerators"),
            )
        return ledger.user(f"{IP}.accelerators", g, "1"), mk
    if mk is None:
        return ledger.add(f"{IP}.accelerators", 1.0, "1", "derived", None, "no memory known"), mk
    mem_key = mk

    def fewest(p: Params) -> Num:
        usable = p[mem_key] * MEMORY_HEADROOM
        by_weights = _pow2(weights_gb(p) / usable)
        with_kv = _pow2((weights_gb(p) + batch(p) * kv_gb(p)) / usable)
        return np.maximum(by_weights, np.minimum(with_kv, np.maximum(8.0, by_weights)))

    note = (
        f"fewest {key}, a power of two, whose memory ({MEMORY_HEADROOM:.0%} usable) holds "
        "the weights and the batch's KV cache (at most 8 for the cache)"
    )
    return derive(ledger, f"{IP}.accelerators", fewest, "1", note), mk
