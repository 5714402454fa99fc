"""Energy per request estimated from the model's size, its tokens and the hardware:
prefill compute-bound, decode compute-bound or, with a batch size, by the roofline."""

from __future__ import annotations

import math

from lcai import catalog
from lcai import keys as k
from lcai import model as m
from lcai.engine.plan import Fn, Params
from lcai.errors import SpecError
from lcai.model.num import Num
from lcai.resolver.hardware import accelerator_key, active_parameters, peak
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import Inference

__all__ = ["inference"]

IP = "usage.inference"
PATH: tuple[str | int, ...] = ("usage", "inference")
BYTES_PER_GB = 1e9


def _utilisation(ledger: Ledger, stage: str, given: float | None) -> str:
    return ledger.user_or_factor(
        f"{IP}.{stage}_utilisation",
        given,
        "1",
        "utilisation",
        f"inference:{stage}",
        "mfu",
        path=(*PATH, f"{stage}_utilisation"),
        kind="utilisation",
        note=f"no {stage} utilisation given",
    )


def _accelerators(ledger: Ledger, inf: Inference, key: str, weight_gb: float) -> str:
    """Accelerators serving one replica: given (and able to hold the weights), or the
    fewest whose memory holds them."""
    acc = catalog.table("accelerators")
    memory_gb = acc.factor(key, "memory", "GB").value if acc.has(key, "memory") else None
    if inf.accelerators is not None:
        gk = ledger.user(f"{IP}.accelerators", inf.accelerators, "1")
        if memory_gb is not None and weight_gb > inf.accelerators * memory_gb:
            raise SpecError(
                f"{inf.accelerators:g} x {memory_gb:g} GB cannot hold the weights "
                f"({weight_gb:,.0f} GB at {inf.bytes_per_parameter:g} bytes per parameter)",
                path=(*PATH, "accelerators"),
            )
        return gk
    fit = math.ceil(weight_gb / memory_gb) if memory_gb else 1
    return ledger.add(
        f"{IP}.accelerators",
        max(fit, 1),
        "1",
        "derived",
        None,
        f"fewest {key} whose memory holds {weight_gb:,.0f} GB of weights",
    )


def _roofline_decode(
    ledger: Ledger, inf: Inference, key: str, weight_gb: float, base: dict[str, str]
) -> tuple[Fn, list[str]]:
    """Decode by the roofline: n_out x max(compute, weights / bandwidth) per step, shared
    by the batch."""
    assert inf.batch_size is not None
    bk = ledger.user(f"{IP}.batch_size", inf.batch_size, "1")
    wk = ledger.add(
        f"{IP}.weight_bytes",
        weight_gb * BYTES_PER_GB,
        "B",
        "derived",
        None,
        f"{inf.model.parameters:.4g} parameters x {inf.bytes_per_parameter:g} bytes",
    )
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
    nk, ok, pk, kp, gk, pw = (base[x] for x in ("n", "out", "peak", "u_prefill", "gpus", "power"))

    def decode(p: Params) -> Num:
        return m.decode_energy_per_request_kwh(
            p[nk], p[wk], p[ok], p[bk], p[gk], p[pk], p[kp], p[bw], p[pw]
        )

    return decode, [bk, gk, wk, bw]


def inference(ledger: Ledger, inf: Inference) -> tuple[Fn, Fn, list[str], str]:
    """(kWh per request, tokens per request, parameter keys, note)."""
    key = accelerator_key(ledger, inf.accelerator, (*PATH, "accelerator"))
    ledger.accelerators[k.SLOT_INFERENCE] = key
    nk = active_parameters(ledger, IP, inf.model)
    ik = ledger.user(f"{IP}.input_tokens", inf.input_tokens, "1")
    ok = ledger.user(k.INFERENCE_OUTPUT_TOKENS, inf.output_tokens, "1")
    pk = (
        ledger.user(f"{IP}.peak", inf.peak, "FLOP/s")
        if inf.peak is not None
        else peak(ledger, key, IP, PATH)
    )
    kp = _utilisation(ledger, "prefill", inf.prefill_utilisation)
    kd = _utilisation(ledger, "decode", inf.decode_utilisation)
    pw = ledger.user_or_factor(
        k.INFERENCE_POWER,
        inf.power,
        "W",
        "accelerators",
        key,
        "tdp",
        path=(*PATH, "power"),
        kind="accelerator",
        note="no serving power given: TDP",
    )
    inputs = [nk, ik, ok, pk, kp, pw]
    weight_gb = inf.model.parameters * inf.bytes_per_parameter / BYTES_PER_GB
    gk = _accelerators(ledger, inf, key, weight_gb)

    def prefill(p: Params) -> Num:
        return m.prefill_energy_per_request_kwh(p[nk], p[ik], p[pk], p[kp], p[pw])

    decode: Fn
    if inf.batch_size is None:
        inputs.append(kd)

        def decode(p: Params) -> Num:
            return m.prefill_energy_per_request_kwh(p[nk], p[ok], p[pk], p[kd], p[pw])

        note = (
            "prefill 2 N n_in / (peak u_prefill) + decode 2 N n_out / (peak u_decode), "
            "x power (batching is in u_decode)"
        )
    else:
        base = {"n": nk, "out": ok, "peak": pk, "u_prefill": kp, "gpus": gk, "power": pw}
        decode, more = _roofline_decode(ledger, inf, key, weight_gb, base)
        inputs += more
        note = (
            "prefill 2 N n_in / (peak u_prefill) + decode by the roofline: n_out x "
            "max(compute, weights / bandwidth) per step, shared by the batch; x power"
        )

    def per_request(p: Params) -> Num:
        return prefill(p) + decode(p)

    def tokens(p: Params) -> Num:
        return p[ik] + p[ok]

    return per_request, tokens, inputs, note
