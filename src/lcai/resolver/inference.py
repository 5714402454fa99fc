"""Energy per request estimated from the model, its tokens and the hardware, one code
path for every batch: prefill compute-bound; each decode step the slower of reading
the weights it touches and the batch's KV cache, and computing, plus a fixed overhead,
shared by the batch; accelerator power from how compute-bound the work is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lcai import keys as k
from lcai.engine.plan import Fn, Params
from lcai.errors import SpecError
from lcai.model import serving as sv
from lcai.model.num import Num
from lcai.resolver.architecture import Architecture, architecture
from lcai.resolver.experts import Touched, expert_execution
from lcai.resolver.factors import IP, PATH, derive, load_power, serving_factor
from lcai.resolver.hardware import accelerator_key
from lcai.resolver.ledger import Ledger, param
from lcai.resolver.replica import MEMORY_HEADROOM, replica, replica_peak
from lcai.spec.schema import Inference

__all__ = ["Serving", "inference"]

_S_PER_H = 3600.0


@dataclass(frozen=True)
class Serving:
    """Serving per request: keys of derived parameters and what the usage items need."""

    accelerator: str
    energy: str
    """Accelerator energy per request [kWh] (prefill + decode)."""
    prefill: str
    decode: str
    prefill_seconds: str
    decode_seconds: str | None
    """Accelerator-seconds of decode per request, all accelerators of the replica counted
    (None when not ``timed``: at the accelerator boundary nothing reads it)."""
    idle_power: str
    """Power of an idle accelerator [W]."""
    input_tokens: str
    output_tokens: str
    inputs: list[str]
    note: str


def _within_context(a: Architecture, tokens: float) -> None:
    """A request longer than the model's context window cannot be served."""
    if a.context_length and tokens > a.context_length:
        raise SpecError(
            f"{tokens:g} tokens (input + output) exceed {a.label}'s context of "
            f"{a.context_length:g} tokens",
            path=(*PATH, "input_tokens"),
        )


def _kv_per_request(ledger: Ledger, inf: Inference, a: Architecture) -> Fn:
    """KV cache of one request at its full context [GB], windowed layers at most their
    window."""
    n = inf.input_tokens + inf.output_tokens

    def kv_gb(p: Params) -> Num:
        s = p[a.windowed_share]
        ctx = (1.0 - s) * n + s * np.minimum(n, p[a.window])
        return ctx * p[a.layers] * p[a.kv_elements] * p[a.kv_bytes] / 1e9

    return kv_gb


def _batch(ledger: Ledger, inf: Inference) -> str:
    """The decode batch's key: given, or the catalog's default running batch."""
    if inf.batch_size is not None:
        return ledger.user(f"{IP}.batch_size", inf.batch_size, "1")
    return serving_factor(ledger, "batch_size", None, "1", "batch:default", "batch_size")


def _capped(
    ledger: Ledger, inf: Inference, bk: str, g: str, mem: str | None, weights: Fn, kv_gb: Fn
) -> Fn:
    """The batch that runs at a time: what the KV cache beside the weights allows (as
    serving engines do, the rest wait); a batch given beyond it is warned about. ``mem``:
    the key of one accelerator's memory [GB] (None: unknown, no cap)."""
    if mem is None:
        return lambda p: np.maximum(p[bk], 1.0)
    mem_key = mem

    def fits(p: Params) -> Num:
        free = np.maximum(p[g] * p[mem_key] * MEMORY_HEADROOM - weights(p), 0.0)
        return np.clip(np.floor(np.minimum(free / np.maximum(kv_gb(p), 1e-300), 1e12)), 1.0, 1e12)

    cap = derive(
        ledger,
        f"{IP}.batch_cap",
        fits,
        "1",
        "requests whose KV cache at full context fits beside the weights",
    )
    if inf.batch_size is not None and inf.batch_size > ledger.value(cap):
        ledger.warnings.append(
            f"usage.inference: a batch of {inf.batch_size:g} does not fit beside the weights "
            f"(KV cache at full context): {ledger.value(cap):g} run at a time, the rest wait "
            "(as serving engines do)"
        )
    return lambda p: np.clip(p[bk], 1.0, p[cap])


BusyPower = Callable[[Params, Num], Num]


@dataclass(frozen=True)
class _Powers:
    """Power [W] of a decode step (by its compute share r), of prefill and of the step
    overhead, and the key of an idle accelerator's power."""

    busy: BusyPower
    prefill: Fn
    overhead: Fn
    idle: str


def _power(ledger: Ledger, inf: Inference, key: str) -> _Powers:
    """Power from load (idle, memory-bound and compute-bound fractions of TDP), or the
    file's average serving power for every busy second."""
    lp = load_power(ledger, key, f"{IP}.power", (*PATH, "power"))
    tdp, fi, fm, fc = (
        lp[q] for q in ("tdp", "idle_fraction", "memory_fraction", "compute_fraction")
    )
    idle = derive(ledger, f"{IP}.idle_power", lambda p: p[tdp] * p[fi], "W", "TDP x idle fraction")
    if inf.power is not None:
        pk = ledger.user(k.INFERENCE_POWER, inf.power, "W")

        def given(p: Params, r: Num) -> Num:
            return p[pk]

        return _Powers(given, param(pk), param(pk), idle)

    def busy(p: Params, r: Num) -> Num:
        return sv.accelerator_power_w(p[tdp], p[fm], p[fc], r)

    return _Powers(busy, lambda p: p[tdp] * p[fc], param(idle), idle)


def _decode_factors(ledger: Ledger, inf: Inference, key: str) -> tuple[str, str, str, str]:
    """Keys of the memory bandwidth [B/s], its achieved share, the achieved share of peak
    compute in decode and the step overhead [h]."""
    bw = ledger.user_or_factor(
        f"{IP}.memory_bandwidth",
        inf.memory_bandwidth,
        "B/s",
        "accelerators",
        key,
        "memory_bandwidth",
        path=(*PATH, "memory_bandwidth"),
        kind="accelerator",
        note="",
        status="table",
    )
    ubw = serving_factor(
        ledger,
        "bandwidth_utilisation",
        inf.bandwidth_utilisation,
        "1",
        "decode:bandwidth",
        "bandwidth_utilisation",
    )
    uc = serving_factor(
        ledger,
        "decode_utilisation",
        inf.decode_utilisation,
        "1",
        "decode:compute",
        "compute_utilisation",
    )
    over_h = serving_factor(
        ledger, "step_overhead", inf.step_overhead, "h", "decode:overhead", "step_overhead"
    )
    return bw, ubw, uc, over_h


def _decode(
    ledger: Ledger,
    inf: Inference,
    a: Architecture,
    key: str,
    batch: Fn,
    keys: dict[str, str],
    pw: _Powers,
    experts: Touched,
    timed: bool,
) -> tuple[str, str | None]:
    """Derived keys of (decode energy [kWh], decode accelerator-seconds or None when not
    ``timed``) per request."""
    bw, ubw, uc, over_h = _decode_factors(ledger, inf, key)
    g, pk, n_in, n_out, computed = (keys[x] for x in ("g", "peak", "in", "out", "computed"))

    def step(p: Params) -> tuple[Num, Num, Num]:
        b = batch(p)
        touched = experts(p, b)
        ctx = sv.kv_context_tokens(p[n_in], p[n_out], p[a.window], p[a.windowed_share])
        kv = b * ctx * p[a.layers] * p[a.kv_elements] * p[a.kv_bytes]
        read = p[a.weight_bytes] * (p[a.dense_parameters] + touched * p[a.expert_parameters]) + kv
        flops = b * (
            2.0 * p[computed] + sv.attention_flops_per_token(ctx, p[a.layers], p[a.attention_width])
        )
        t, r = sv.decode_step(read, flops, p[g], p[bw], p[ubw], p[pk], p[uc])
        return b, t, r

    def energy(p: Params) -> Num:
        b, t, r = step(p)
        joules = p[g] * (pw.busy(p, r) * t + pw.overhead(p) * p[over_h] * _S_PER_H)
        return sv.energy_kwh(p[n_out] * joules / b, 1.0)

    def seconds(p: Params) -> Num:
        b, t, _ = step(p)
        return p[n_out] * p[g] * (t + p[over_h] * _S_PER_H) / b

    e = derive(ledger, f"{IP}.decode_energy", energy, "kWh", "decode energy per request")
    if not timed:
        return e, None
    return e, derive(
        ledger, k.INFERENCE_DECODE_SECONDS, seconds, "s", "accelerator-seconds of decode"
    )


def _prefill(
    ledger: Ledger, inf: Inference, a: Architecture, key: str, keys: dict[str, str], pw: _Powers
) -> tuple[str, str]:
    """Derived keys of (prefill energy [kWh], prefill accelerator-seconds) per request."""
    pk, n_in, computed = keys["peak"], keys["in"], keys["computed"]
    up = serving_factor(
        ledger,
        "prefill_utilisation",
        inf.prefill_utilisation,
        "1",
        "prefill:compute",
        "compute_utilisation",
        key.split("-")[0],
    )

    def prefill_seconds(p: Params) -> Num:
        flops = sv.prefill_flops(p[computed], p[n_in], p[a.layers], p[a.attention_width])
        return flops / (p[pk] * p[up])

    pre_s = derive(
        ledger, k.INFERENCE_PREFILL_SECONDS, prefill_seconds, "s", "accelerator-seconds of prefill"
    )
    pre_e = derive(
        ledger,
        f"{IP}.prefill_energy",
        lambda p: sv.energy_kwh(pw.prefill(p), p[pre_s]),
        "kWh",
        "prefill energy per request",
    )
    return pre_e, pre_s


def inference(ledger: Ledger, inf: Inference, *, timed: bool = True) -> Serving:
    """Resolve ``usage.inference`` into per-request parameters; ``timed``: with the
    accelerator-seconds of decode, which hosts, idle capacity and the token rates read."""
    key = accelerator_key(ledger, inf.accelerator, (*PATH, "accelerator"))
    ledger.accelerators[k.SLOT_INFERENCE] = key
    a = architecture(ledger, inf.model, inf.bytes_per_parameter)
    _within_context(a, inf.input_tokens + inf.output_tokens)
    n_in = ledger.user(f"{IP}.input_tokens", inf.input_tokens, "1")
    n_out = ledger.user(k.INFERENCE_OUTPUT_TOKENS, inf.output_tokens, "1")
    pk = replica_peak(ledger, inf, key, a.weight_bits)

    def weights_gb(p: Params) -> Num:
        return p[a.total] * p[a.weight_bytes] / 1e9

    kv_gb = _kv_per_request(ledger, inf, a)
    bk = _batch(ledger, inf)
    g, mem = replica(ledger, inf, key, weights_gb, kv_gb, param(bk))
    batch = _capped(ledger, inf, bk, g, mem, weights_gb, kv_gb)
    experts, computed = expert_execution(ledger, inf, a)
    keys = {"g": g, "peak": pk, "in": n_in, "out": n_out, "computed": computed}
    pw = _power(ledger, inf, key)
    dec_e, dec_s = _decode(ledger, inf, a, key, batch, keys, pw, experts, timed)
    pre_e, pre_s = _prefill(ledger, inf, a, key, keys, pw)
    total = derive(
        ledger,
        f"{IP}.energy",
        lambda p: p[pre_e] + p[dec_e],
        "kWh",
        "accelerator energy per request",
    )
    note = (
        f"{a.label} on {key}: prefill 2 N n_in + attention FLOPs at u_prefill of peak; decode "
        "steps of the batch max(bytes / (BW u_bw), FLOPs / (peak u_c)) + overhead; power "
        "from load"
    )
    unread = (k.INFERENCE_DECODE_SECONDS,)  # for hosts and rates, not the serving energy
    inputs = [x for x in ledger.params if x.startswith(IP + ".") and x not in unread]
    return Serving(key, total, pre_e, dec_e, pre_s, dec_s, pw.idle, n_in, n_out, inputs, note)
