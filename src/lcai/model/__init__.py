"""Pure model functions: one physical quantity each, scalars or NumPy arrays alike.

No file reads, no globals. Every function names the unit of each argument and
of its result, and its reference where the equation comes from a publication.
May import: units, errors (and NumPy).
"""

from lcai.model.carbon import co2e_kg, market_intensity_kg_per_kwh
from lcai.model.compute import (
    accelerator_hours_from_flops,
    inference_flops,
    training_flops,
)
from lcai.model.embodied import (
    allocated_embodied,
    die_embodied_kg,
    memory_embodied_kg,
)
from lcai.model.energy import (
    energy_from_power_kwh,
    facility_overhead_kwh,
    network_energy_kwh,
)
from lcai.model.water import offsite_water_l, onsite_water_l

__all__ = [
    "accelerator_hours_from_flops",
    "allocated_embodied",
    "co2e_kg",
    "die_embodied_kg",
    "energy_from_power_kwh",
    "facility_overhead_kwh",
    "inference_flops",
    "market_intensity_kg_per_kwh",
    "memory_embodied_kg",
    "network_energy_kwh",
    "offsite_water_l",
    "onsite_water_l",
    "training_flops",
]
