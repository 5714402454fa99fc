"""The field reference in docs/ is generated from the models and kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_field_docs_are_current() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_field_docs.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (ROOT / "docs" / "assessment-fields.md").read_text()
    assert committed == gen.render(), "run: .venv/bin/python scripts/gen_field_docs.py"


def test_every_field_is_documented() -> None:
    from lcai.spec.schema import Assessment

    text = (ROOT / "docs" / "assessment-fields.md").read_text()
    schema = Assessment.model_json_schema()
    for model in [schema, *schema["$defs"].values()]:
        for name in model.get("properties", {}):
            assert f"`{name}`" in text, name


def test_methodology_validation_table_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_val", ROOT / "scripts" / "gen_validation_table.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (ROOT / "docs" / "methodology.md").read_text()
    assert gen.splice(text) == text, "run: .venv/bin/python scripts/gen_validation_table.py"
