"""Energy of equipment, facilities, networks and inference requests."""

from __future__ import annotations

from lcai.model._types import Num

_W_PER_KW = 1000.0
_J_PER_KWH = 3.6e6


def energy_from_power_kwh(power_w: Num, duration_h: Num, count: Num = 1.0) -> Num:
    """Energy of ``count`` devices drawing ``power_w`` each for ``duration_h``.

    energy [kWh] = count [-] x power [W] x duration [h] / 1000

    Luccioni et al. (2023) compute BLOOM's dynamic energy this way:
    1,082,990 GPU-h x 400 W / 1000 = 433,196 kWh.
    """
    return count * power_w * duration_h / _W_PER_KW


def facility_overhead_kwh(it_energy_kwh: Num, pue: Num) -> Num:
    """Facility overhead (cooling, power conversion, lighting) on top of IT energy.

    overhead [kWh] = IT energy [kWh] x (PUE [-] - 1); the facility total is
    IT energy x PUE (The Green Grid, PUE: a comprehensive examination of the
    metric, White Paper 49, 2012).
    """
    return it_energy_kwh * (pue - 1.0)


def network_energy_kwh(data_gb: Num, intensity_kwh_per_gb: Num) -> Num:
    """Energy to move ``data_gb`` over a network of a given energy intensity.

    energy [kWh] = data [GB] x intensity [kWh/GB]; for the source article's 4G
    figure of 620 GB per kWh the intensity is 1/620 kWh/GB.
    """
    return data_gb * intensity_kwh_per_gb


def inference_energy_per_request_kwh(
    active_params: Num,
    input_tokens: Num,
    output_tokens: Num,
    peak_flop_per_s: Num,
    prefill_utilisation: Num,
    decode_utilisation: Num,
    power_w: Num,
) -> Num:
    """Accelerator energy of one request, from model size and tokens.

    A forward pass costs about 2 FLOP per active parameter per token (Kaplan
    et al. 2020, "Scaling Laws for Neural Language Models", sec. 2.1). Prefill
    (the prompt) is compute-bound and runs near the accelerator's peak;
    decode (each output token) is memory-bound and reaches a much lower
    fraction of it, so the two are counted separately:

    time [s] = 2 N n_in / (peak x u_prefill) + 2 N n_out / (peak x u_decode)
    energy [kWh] = time [s] x power [W] / 3.6e6

    The time is accelerator-seconds, so the result does not depend on how
    many accelerators share the request; batching shows up as a higher
    decode utilisation.
    """
    prefill_s = 2.0 * active_params * input_tokens / (peak_flop_per_s * prefill_utilisation)
    decode_s = 2.0 * active_params * output_tokens / (peak_flop_per_s * decode_utilisation)
    return (prefill_s + decode_s) * power_w / _J_PER_KWH
