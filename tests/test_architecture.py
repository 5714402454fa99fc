"""The house rules the code keeps (docs/architecture.md): layers (import-linter runs in
`make lint`), no private name imported across modules, small resolve modules that read
no file, a docstring per sub-package saying what it may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lcai"
PACKAGES = ("api", "spec", "catalog", "engine", "resolver", "measure", "fleet", "whatif", "checks",
            "outputs", "cli", "model", "web")  # fmt: skip


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _package_of(module: str, is_init: bool) -> str:
    return module if is_init else module.rsplit(".", 1)[0]


def test_no_private_name_is_imported_from_another_module() -> None:
    offences = []
    for f in _files():
        me = _module(f)
        home = _package_of(me, f.name == "__init__.py")
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("lcai"):
                continue
            source = node.module or ""
            private_module = [p for p in source.split(".") if _private(p)]
            outside = not source.startswith(home + ".") and source != home
            if private_module and outside:
                offences.append(f"{me}: from {source} import ...")
            for alias in node.names:
                if _private(alias.name) and source != me:
                    offences.append(f"{me}: from {source} import {alias.name}")
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_sub_package_says_what_it_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((SRC / package / "__init__.py").read_text("utf-8")))
    assert doc and "May import" in doc, f"lcai.{package}: docstring without 'May import'"


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


@pytest.mark.parametrize("path", sorted((SRC / "resolver").glob("*.py")), ids=lambda p: p.name)
def test_resolve_modules_are_small_and_read_no_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300, f"{path.name}: over 300 lines"
    assert "noqa: E731" not in text and "type: ignore" not in text
    tree = ast.parse(text)
    for fn in _functions(tree):
        length = (fn.end_lineno or fn.lineno) - fn.lineno + 1
        assert length <= 60, f"{path.name}: {fn.name} is {length} lines (over 60)"
    reading = {"open", "read_text", "read_bytes", "glob", "DictReader", "reader", "safe_load"}
    calls = {
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
    }
    assert not calls & reading, f"{path.name} reads files: {calls & reading}"


def test_import_lcai_reads_no_file_and_imports_no_layer() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nopened=[]\n"
        "sys.addaudithook(lambda e,a: opened.append(a[0]) if e=='open' and isinstance(a[0],str)"
        " and '/lcai/data/' in a[0] else None)\n"
        "import lcai\n"
        "layers=[m for m in sys.modules if m.startswith('lcai.')]\n"
        "print(len(opened), len(layers))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0"]


def test_no_path_of_a_machine_in_the_package() -> None:
    """Issue 13: the source article's bibliography entry named a folder of a developer's
    machine. Packaged data, code and docs cite publications, never local copies."""
    import re

    root = SRC.parents[1]
    pattern = re.compile(r"(?<![\w.])(/work/|/home/\w|/root/|/Users/\w|/tmp/|[A-Z]:\\\\)")
    files = [*SRC.rglob("*"), *(root / "docs").rglob("*"), *(root / "examples").rglob("*")]
    offences = []
    for f in files:
        if f.is_dir() or "__pycache__" in f.parts or f.suffix == ".pyc":
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        offences += [f"{f.relative_to(root)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not offences, offences
