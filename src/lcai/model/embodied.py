"""Embodied (manufacturing) impact of hardware, and its allocation to one model."""

from __future__ import annotations

from lcai.model.num import Num

_MM2_PER_CM2 = 100.0


def die_embodied_kg(die_area_mm2: Num, carbon_per_area_kg_per_mm2: Num) -> Num:
    """Embodied carbon of a logic die from its area (carbon-per-area method).

    co2e [kg] = area [mm2] x CPA [kgCO2e/mm2]
    (Gupta et al. 2022, "ACT"; Faiz et al. 2024, "LLMCarbon", eq. 6.)
    """
    return die_area_mm2 * carbon_per_area_kg_per_mm2


def memory_embodied_kg(capacity_gb: Num, carbon_per_gb_kg: Num) -> Num:
    """Embodied carbon of memory or storage from its capacity.

    co2e [kg] = capacity [GB] x factor [kgCO2e/GB] (Faiz et al. 2024, LLMCarbon).
    """
    return capacity_gb * carbon_per_gb_kg


def allocated_embodied(
    embodied_per_unit: Num, unit_hours: Num, lifetime_h: Num, utilisation: Num
) -> Num:
    """Share of hardware's embodied impact allocated to one workload.

    share = embodied per unit x unit-hours used / (lifetime [h] x utilisation [-])

    The hardware's life is spread over the hours it does useful work
    (lifetime x average utilisation), so idle time is charged to the users.
    Luccioni et al. (2023) for BLOOM: 150 kg per A100, 6-year life, 85%
    utilisation -> 0.00336 kg per GPU-hour; x 1,082,990 GPU-h = 3.64 t.
    Works for any impact (carbon in kg, fabrication water in L).
    """
    return embodied_per_unit * unit_hours / (lifetime_h * utilisation)
