"""Energy of equipment, facilities, networks and inference requests."""

from __future__ import annotations

import numpy as np

from lcai.model.num import Num
from lcai.units import J_PER_KWH

_W_PER_KW = 1000.0


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


def prefill_energy_per_request_kwh(
    active_params: Num,
    input_tokens: Num,
    peak_flop_per_s: Num,
    prefill_utilisation: Num,
    power_w: Num,
) -> Num:
    """Accelerator energy of processing ``input_tokens`` at a utilisation of the peak.

    A forward pass costs about 2 FLOP per active parameter per token (Kaplan
    et al. 2020, sec. 2.1). Prefill (the prompt) is compute-bound and runs near
    the peak (Pope et al. 2022 measure 76% MFU at large batch):

    energy [kWh] = 2 N n_in / (peak x u) [accelerator-s] x power [W] / 3.6e6

    The time is accelerator-seconds, so the result does not depend on how many
    accelerators share the work. Used for decode too when no batch size is
    given, with the decode utilisation (33% at large batch, Pope et al. 2022).
    """
    return (
        2.0
        * active_params
        * input_tokens
        / (peak_flop_per_s * prefill_utilisation)
        * (power_w / J_PER_KWH)
    )


def decode_energy_per_request_kwh(
    active_params: Num,
    weight_bytes: Num,
    output_tokens: Num,
    batch_size: Num,
    accelerators: Num,
    peak_flop_per_s: Num,
    compute_utilisation: Num,
    bandwidth_bytes_per_s: Num,
    power_w: Num,
) -> Num:
    """Accelerator energy of generating one request's output, by the roofline.

    Each decode step of a batch of B requests on g accelerators takes the slower
    of its compute, 2 N B / (g peak u), and reading the weights, W / (g BW)
    (Williams, Waterman, Patterson 2009, "Roofline"; Pope et al. 2022, sec. 2).
    The step's energy, g x power x time, is shared by the B requests:

    energy [kWh] = n_out x g x power x max(compute, memory) / B / 3.6e6

    Memory bandwidth is taken at its peak and the KV cache is not read, so
    decode time is a lower bound when the batch is small (memory-bound).
    """
    compute_s = (
        2.0 * active_params * batch_size / (accelerators * peak_flop_per_s * compute_utilisation)
    )
    memory_s = weight_bytes / (accelerators * bandwidth_bytes_per_s)
    step_s = np.maximum(compute_s, memory_s)
    return output_tokens * accelerators * power_w * step_s / batch_size / J_PER_KWH
