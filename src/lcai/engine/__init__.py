"""The engine: plan, evaluate (NumPy, 1 or N samples), result, uncertainty, plausibility,
equivalences.

May import: spec, catalog, model, units, errors, keys.
"""
