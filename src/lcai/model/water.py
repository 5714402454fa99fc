"""Water consumed on site (cooling) and off site (generating the electricity)."""

from __future__ import annotations

from lcai.model.num import Num


def onsite_water_l(it_energy_kwh: Num, wue_l_per_kwh: Num) -> Num:
    """On-site (scope-1) water: WUE is per kWh of IT energy, so no PUE here.

    water [L] = IT energy [kWh] x WUE [L/kWh]
    (Li, Yang, Islam, Ren, "Making AI Less Thirsty", CACM 2025, sec. 3.3.)
    """
    return it_energy_kwh * wue_l_per_kwh


def offsite_water_l(energy_kwh: Num, ewif_l_per_kwh: Num) -> Num:
    """Off-site (scope-2) water consumed to generate the electricity used.

    water [L] = facility energy [kWh] x EWIF [L/kWh], where the facility energy
    is IT energy x PUE (Li et al. 2025, sec. 3.3).
    """
    return energy_kwh * ewif_l_per_kwh
