"""Serving a language model: the time and energy of prefill and decode steps.

One code path for every batch size. A decode step of a batch of B requests on g
accelerators reads the weights it touches and the batch's KV cache, and computes
2 FLOP per active parameter per token plus attention; it takes the slower of the
two at achieved fractions of peak bandwidth and compute (the roofline: Williams,
Waterman, Patterson 2009; applied to decoding by Pope et al. 2022, sec. 2), plus a
fixed overhead per step. Prefill is compute-bound at its own utilisation.
Accelerator power follows the load: a memory-bound step draws less than a
compute-bound one, an idle accelerator its idle floor.

Every function takes scalars or NumPy arrays of samples alike.
"""

from __future__ import annotations

import numpy as np

from lcai.model.num import Num
from lcai.units import J_PER_KWH

__all__ = [
    "accelerator_power_w",
    "attention_flops_per_token",
    "decode_step",
    "distinct_experts",
    "energy_kwh",
    "kv_context_tokens",
    "prefill_flops",
]


def distinct_experts(experts: Num, experts_per_token: Num, batch: Num) -> Num:
    """Expected number of distinct routed experts a batch touches in one MoE layer.

    Each of the batch's B tokens picks k of E experts; with routing spread evenly,
    an expert is missed by one token with probability 1 - k/E, by all B with
    (1 - k/E)^B, so the expected number touched is E (1 - (1 - k/E)^B).
    For E = 8, k = 2 (Mixtral): B = 1 -> 2, B = 8 -> 7.20, B = 64 -> 8.00.
    """
    return experts * (1.0 - (1.0 - experts_per_token / experts) ** batch)


def kv_context_tokens(
    input_tokens: Num, output_tokens: Num, window: Num, windowed_share: Num
) -> Num:
    """Average tokens of KV cache a decode step reads per request and layer.

    While a request is decoded its context grows from n_in to n_in + n_out, so a
    step of a batch at steady state sees on average n_in + n_out / 2. Layers with
    sliding-window attention read at most ``window`` tokens; ``windowed_share``
    is the share of layers that do (0 when none).
    """
    full = input_tokens + output_tokens / 2.0
    return (1.0 - windowed_share) * full + windowed_share * np.minimum(full, window)


def attention_flops_per_token(context_tokens: Num, layers: Num, attention_width: Num) -> Num:
    """FLOPs of attention for one new token against ``context_tokens`` of cache.

    Per layer, the scores (q . k) and the weighted sum of values each cost
    2 x context x heads x head_dim FLOP (Kaplan et al. 2020, Table 1 counts
    2 n_layer n_ctx d_attn per token forward for the pair):
    4 x layers x context x attention_width, attention_width = heads x head_dim.
    """
    return 4.0 * layers * context_tokens * attention_width


def prefill_flops(active_params: Num, input_tokens: Num, layers: Num, attention_width: Num) -> Num:
    """FLOPs of processing one prompt of ``input_tokens``: 2 N n_in for the weights
    (Kaplan et al. 2020, sec. 2.1) plus causal attention, whose token t attends to t
    earlier ones: sum_t 4 L t w = 2 L n_in^2 w."""
    return 2.0 * active_params * input_tokens + 2.0 * layers * input_tokens**2 * attention_width


def accelerator_power_w(
    tdp_w: Num, memory_fraction: Num, compute_fraction: Num, compute_share: Num
) -> Num:
    """Average power of an accelerator running a step, from how compute-bound it is.

    power [W] = TDP x (f_memory + (f_compute - f_memory) x r)

    r is the step's compute time over its roofline time (1 when compute-bound,
    as in prefill or training; near 0 for a small-batch decode, which waits on
    memory). f_memory and f_compute are the measured fractions of TDP drawn in
    the two regimes (catalog table ``serving``).
    """
    return tdp_w * (memory_fraction + (compute_fraction - memory_fraction) * compute_share)


def decode_step(
    bytes_read: Num,
    flops: Num,
    accelerators: Num,
    bandwidth_bytes_per_s: Num,
    bandwidth_utilisation: Num,
    peak_flop_per_s: Num,
    compute_utilisation: Num,
) -> tuple[Num, Num]:
    """(roofline time of one decode step [s], its compute share r [-]).

    memory time = bytes / (g x BW x u_bw); compute time = FLOP / (g x peak x u_c);
    the step takes the slower (both spread over the g accelerators of a replica).
    """
    memory_s = bytes_read / (accelerators * bandwidth_bytes_per_s * bandwidth_utilisation)
    compute_s = flops / (accelerators * peak_flop_per_s * compute_utilisation)
    step_s = np.maximum(memory_s, compute_s)
    return step_s, compute_s / step_s


def energy_kwh(power_w: Num, seconds: Num) -> Num:
    """power [W] x time [s] / 3.6e6."""
    return power_w * seconds / J_PER_KWH
