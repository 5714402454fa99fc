"""Carbon of electricity: location-based and market-based (GHG Protocol Scope 2)."""

from __future__ import annotations

from lcai.model.num import Num


def co2e_kg(energy_kwh: Num, intensity_kg_per_kwh: Num) -> Num:
    """Emissions of using ``energy_kwh`` at a grid carbon intensity.

    co2e [kgCO2e] = energy [kWh] x intensity [kgCO2e/kWh]
    """
    return energy_kwh * intensity_kg_per_kwh


def market_intensity_kg_per_kwh(
    residual_kg_per_kwh: Num, contract_kg_per_kwh: Num, contract_share: Num
) -> Num:
    """Market-based emission factor of a supply partly covered by contracts.

    The covered share takes the contract's factor (0 for renewable energy
    certificates or a renewable PPA), the rest the residual mix
    (GHG Protocol Scope 2 Guidance, 2015, ch. 6, the market-based method):

    factor = share x contract + (1 - share) x residual
    """
    return contract_share * contract_kg_per_kwh + (1.0 - contract_share) * residual_kg_per_kwh
