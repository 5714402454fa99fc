"""Every example of docs/integrations.md runs as written (issue 16 item 4).

Python blocks are executed, console blocks' ``$`` lines are run by the shell, each from a
fresh folder holding a copy of ``examples/`` with this environment's ``lcai`` first on the
PATH. A block after ``<!-- needs: torch lightning -->`` skips, saying so, unless those
modules import (``make test-lightning`` installs PyTorch and Lightning).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "integrations.md"
NEEDS = r"(?:<!-- needs: (?P<needs>[\w .-]+) -->\n)?"
BLOCK = re.compile(NEEDS + r"```(?P<lang>\w+)\n(?P<body>.*?)\n```", re.S)


def _blocks() -> list[tuple[str, str, list[str], int]]:
    text = DOC.read_text(encoding="utf-8")
    out = []
    for m in BLOCK.finditer(text):
        if m["lang"] in ("python", "console"):
            needs = (m["needs"] or "").split()
            out.append((m["lang"], m["body"], needs, text.count("\n", 0, m.start()) + 1))
    return out


BLOCKS = _blocks()


def test_the_doc_has_an_example_per_integration_and_format() -> None:
    text = "\n".join(body for _, body, _, _ in BLOCKS)
    for word in ("hf-card", "sci", "ai-act", "cyclonedx", "ghg", "integrations.hf",
                 "integrations.lightning", "log_result", "--prometheus", "_repr_html_",
                 "estimate_request", "set_span_attributes"):  # fmt: skip
        assert word in text, f"docs/integrations.md has no example of {word}"


@pytest.mark.parametrize(
    ("lang", "body", "needs", "line"), BLOCKS, ids=[f"line{b[3]}" for b in BLOCKS]
)
def test_example_runs(lang: str, body: str, needs: list[str], line: int, tmp_path: Path) -> None:
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (not installed here): make test-lightning")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONPATH"] = str(ROOT)
    if lang == "python":
        commands = [[sys.executable, "-c", body]]
    else:
        lines = [ln[2:] for ln in body.splitlines() if ln.startswith("$ ")]
        assert lines, f"docs/integrations.md:{line}: a console block without a $ line"
        commands = [["bash", "-c", ln] for ln in lines]
    for cmd in commands:
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)  # fmt: skip
        assert done.returncode == 0, f"docs/integrations.md:{line}: {cmd[-1]}\n{done.stderr}"
