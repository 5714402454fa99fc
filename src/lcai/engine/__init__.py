"""The engine: Plan (parameters + line items), evaluate (NumPy, 1 or N samples), Result, plausibility flags, equivalences. May import: spec, catalog, model, units, errors, keys."""
