"""The assessment file: schema (pydantic), loading (YAML/TOML with line numbers) into a Source, distributions. May import: catalog, model, units, errors, keys."""
