"""The assessment file: schema, loading into a Source, distributions.

May import: catalog, model, units, errors, keys.
"""
