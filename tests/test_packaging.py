"""Packaging and import hygiene: the wheel carries the data; `import lcai` reads no file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import lcai

ROOT = Path(__file__).resolve().parent.parent


def test_public_api() -> None:
    for name in lcai.__all__:
        assert getattr(lcai, name) is not None, name
    with pytest.raises(AttributeError):
        lcai.nope  # noqa: B018


def test_import_reads_no_files() -> None:
    """Importing lcai opens no data file (tables load lazily on first use)."""
    code = (
        "import sys\n"
        "opened = []\n"
        "def hook(event, args):\n"
        "    if event == 'open' and isinstance(args[0], str) and 'lcai' in args[0] "
        "and not args[0].endswith(('.py', '.pyc')) and '__pycache__' not in args[0]:\n"
        "        opened.append(args[0])\n"
        "sys.addaudithook(hook)\n"
        "import lcai, lcai.cli.app\n"
        "assert 'numpy' not in sys.modules, 'numpy imported by lcai'\n"
        "print(opened)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_wheel_contains_data(tmp_path: Path) -> None:
    if shutil.which("git") is None:  # pragma: no cover
        pytest.skip("git not available")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("lcai-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tables = sorted(p.name for p in (ROOT / "src/lcai/data/tables").iterdir())
    for t in tables:
        assert f"lcai/data/tables/{t}" in names, t
    for s in (ROOT / "src/lcai/data/sources").iterdir():
        assert f"lcai/data/sources/{s.name}" in names
    for v in (ROOT / "src/lcai/data/validation").iterdir():
        assert f"lcai/data/validation/{v.name}" in names, v.name
    assert "lcai/py.typed" in names
    for e in (ROOT / "examples").glob("*.yaml"):  # the web calculator loads them
        assert f"lcai/examples/{e.name}" in names, e.name
    for w in ("static/calc.js", "static/calc.css", "templates/page.html"):
        assert f"lcai/web/{w}" in names, w
