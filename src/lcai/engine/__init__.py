"""The engine: Plan, evaluate (NumPy, 1 or N samples), Result, plausibility, equivalences.

May import: spec, catalog, model, units, errors, keys.
"""
