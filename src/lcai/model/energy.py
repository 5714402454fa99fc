"""Energy of equipment, facilities and networks."""

from __future__ import annotations

from lcai.model.num import Num

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
