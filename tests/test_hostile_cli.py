"""Hostile input to every command (issue 14, item 6).

Every case runs one command on hostile input (assessment files, run files, fleet
telemetry and tables, scenario files, validation suites, options, output paths) and
checks what docs/security.md promises:

- bad input: exit status 2 and exactly one line on stderr, starting ``error:`` and naming
  the file, the field or the option; never a traceback, never ``internal error`` (exit
  70); no terminal escape sequence on stderr; every file that existed before the run is
  as it was, and no file appears (the whole case folder is compared, byte for byte);
- valid input with hostile text: exit status 0 and every consumer's escaping holds
  (terminal: no escape sequence; CSV: formula cells start with an apostrophe; JSON:
  strict, no NaN or Infinity; Markdown, LaTeX, HTML: no raw markup of the input);
- a kill between the files of a multi-file output leaves the old set, the new set or
  nothing, never a mix; a full disk is exit 2 with the old output intact.

A case that shows a bug in lcai is marked ``xfail(strict=True, reason="bug: ...")``: the
assertion stays as it should be, and the mark goes when the bug is fixed.

Most cases run in-process (``lcai.cli.main.run`` with capsys); ``lcai track`` and the
kill tests run real processes. Output paths are under ``tmp_path`` only (and tmpfs
mounts made inside it).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lcai.cli.main import run

LCAI = str(Path(sys.executable).with_name("lcai"))
ROOT = Path(__file__).resolve().parents[1]

SENTINEL = "old output: a failed run must leave this file as it is\n"
ESC = "\x1b"

# -- hostile text ----------------------------------------------------------------------

MARKUP = "[bold]x[/] [/] [link=https://example.org]y[/link]"
NO_COLON = "[bold]x[/] [/] [red]y[/red]"  # a scenario name (NAME:ARG takes the colon)
ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J"
FORMULA = "=cmd|' /C calc'!A0"
HTML_MD = "<script>alert(1)</script> [x](javascript:alert(3)) a|b <img src=x onerror=alert(2)>"
LATEX = "^^5cinput{/etc/passwd} \\input{x} \\write18{rm -rf /} $x$ 100% #1 _a ~ & {"
LONG = "L" * 10_240
HOSTILE_TEXT = {
    "markup": MARKUP,
    "escapes": ESCAPES,
    "formula": FORMULA,
    "html-md": HTML_MD,
    "latex": LATEX,
    "long": LONG,
}


def bug(reason: str) -> pytest.MarkDecorator:
    """A known bug in lcai: the case must fail until it is fixed (then remove the mark)."""
    return pytest.mark.xfail(strict=True, reason=f"bug: {reason}")


def csvq(text: str) -> str:
    """``text`` as a quoted CSV cell."""
    return '"' + text.replace('"', '""') + '"'


def _yaml_printable(c: str) -> bool:
    """A character PyYAML reads raw inside a double-quoted scalar (not a line break)."""
    o = ord(c)
    return (
        0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000
    ) and o not in (0x2028, 0x2029)


def q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: every other character as an escape."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif _yaml_printable(c):
            out.append(c)
        elif ord(c) <= 0xFF:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def strict_json(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (not JSON, though Python writes them)."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def has_control(text: str) -> bool:
    """A terminal escape or a control character other than a line break or a tab."""
    return any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in text)


# -- running a command -----------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """Run lcai in-process on ``args``."""
    capsys.readouterr()
    code = run(args)
    got = capsys.readouterr()
    return Outcome(code, got.out, got.err)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder``: a file's bytes, None for a folder."""
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink() or p.is_file():
            out[rel] = p.read_bytes() if p.exists() else b"<dangling link>"
        elif p.is_dir():
            out[rel] = None
        else:
            out[rel] = b"<special file>"
    return out


def assert_refused(res: Outcome, says: tuple[str, ...] = ()) -> None:
    """Exit 2, one line on stderr starting 'error:' and naming what is wrong."""
    assert "Traceback" not in res.err, res.err
    assert "internal error" not in res.err, res.err
    assert res.code == 2, (res.code, res.err, res.out[-2000:])
    lines = res.err.splitlines()
    assert len(lines) == 1, res.err
    assert lines[0].startswith("error: "), res.err
    for s in says:
        assert s in lines[0], (s, lines[0])
    assert ESC not in res.err, repr(res.err)


def assert_done(res: Outcome) -> None:
    """Exit 0, no traceback, nothing on stdout a terminal would interpret."""
    assert "Traceback" not in res.err and "internal error" not in res.err, res.err
    assert res.code == 0, (res.code, res.err)
    assert not has_control(res.out), repr([c for c in res.out if has_control(c)][:5])


# -- inputs ----------------------------------------------------------------------------

ASSESS = """\
name: hostile
grid: {region: FR}
training:
  accelerators: {type: H100, count: 8, duration: 1 day}
"""

T0_MS = 1_767_571_200_000  # 2026-01-05T00:00:00Z
POWER = "t_ms,node,gpu,power_w\n" + "".join(
    f"{T0_MS + i * 1000},n0,{g},{300 + g}\n" for i in range(10) for g in (0, 1)
)
JOBS = (
    "job_id,node,gpus,project,start,end\n"
    'j1,n0,"0,1",p,2026-01-05T00:00:00+00:00,2026-01-05T00:00:05+00:00\n'
)
INTENSITY = "timestamp,region,gco2e_per_kwh\n2026-01-05T00:00:00+00:00,FR,50\n"
SITES = "node,region,pue,wue_l_per_kwh,accelerator\nn0,FR,1.2,0.5,H100\n"
SACCT = (
    "JobID|JobName|Account|User|NodeList|Start|End|AllocTRES\n"
    "1|m|a|u|n0|2026-01-05T00:00:00|2026-01-05T00:00:05|{tres}\n"
)

RUN_HEADER = {
    "format": "lcai-run",
    "version": 1,
    "started": "2026-01-05T00:00:00+00:00",
    "command": ["python", "train.py"],
    "pid": 1234,
    "interval_s": 1.0,
    "backends": ["nvml"],
    "units": {},
    "region": None,
    "factors": None,
}
T0_S = T0_MS / 1000


def sample(t: float, energy_j: Any, device: str = "gpu:0", power_w: Any = 300.0) -> str:
    s = {"t": t, "device": device, "backend": "nvml", "energy_j": energy_j, "power_w": power_w}
    return json.dumps({"sample": s})


def run_file(*records: str, header: Mapping[str, Any] | None = None, end: bool = True) -> str:
    """A run file: the header, the records (default two good samples), an end record."""
    body = list(records) or [sample(T0_S, 0.0), sample(T0_S + 1, 300.0)]
    if end:
        body.append(json.dumps({"end": {"t": T0_S + 1, "exit_status": 0}}))
    return "\n".join([json.dumps(dict(header or RUN_HEADER)), *body]) + "\n"


SCENARIO = """\
scenarios:
  bad:
    description: a user scenario
    changes:
      - {change}
"""
SUITE = """\
version: 1
cases:
  - case: c1
    file: a.yaml
    mode: reproduction
    source: s
    tolerance: 0.01
    checks:
      - {{quantity: e, select: {select}, published: {published}, unit: {unit}}}
"""


def suite(
    select: str = "total.energy_kwh", published: str = "212.352 kWh", unit: str = "kWh"
) -> str:
    return SUITE.format(select=select, published=published, unit=unit)


@dataclass(frozen=True)
class Case:
    """A command on files written into the case's folder (``{d}`` in args and says)."""

    args: tuple[str, ...]
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    says: tuple[str, ...] = ()


def _write(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")


def refused(
    case: Case, d: Path, capsys: pytest.CaptureFixture[str], old_fleet: Path | None = None
) -> Outcome:
    """Run a case that must be refused; nothing under ``d`` may change."""
    _write(d, {"out.json": SENTINEL, **case.files})
    if old_fleet is not None:
        shutil.copytree(old_fleet, d / "fleet-out")
    before = snapshot(d)
    args = [a.replace("{d}", str(d)) for a in case.args]
    res = cli(args, capsys)
    assert_refused(res, tuple(s.replace("{d}", str(d)) for s in case.says))
    assert snapshot(d) == before, "a failed run changed or added files"
    return res


# -- the old outputs the fleet cases must leave as they are -----------------------------


def _fleet_inputs(
    power: str | bytes = POWER,
    jobs: str | bytes = JOBS,
    intensity: str | bytes = INTENSITY,
    sites: str | bytes = SITES,
    power_name: str = "power.csv",
) -> dict[str, str | bytes]:
    return {power_name: power, "jobs.csv": jobs, "int.csv": intensity, "sites.csv": sites}


def fleet(power_name: str = "power.csv", *extra: str) -> tuple[str, ...]:
    return (
        "fleet", "account", "--power", f"{{d}}/{power_name}", "--jobs", "{d}/jobs.csv",
        "--intensity", "{d}/int.csv", "--sites", "{d}/sites.csv", "-o", "{d}/fleet-out", *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def old_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete fleet result set, from other jobs than the cases'."""
    d = tmp_path_factory.mktemp("old-fleet")
    _write(d, _fleet_inputs(jobs=JOBS.replace("j1", "old-job")))
    args = [a.replace("{d}", str(d)) for a in fleet()]
    assert run(args) == 0
    return d / "fleet-out"


# -- assessment files ------------------------------------------------------------------


def m(old: str, new: str, base: str = ASSESS) -> str:
    """``base`` with ``old`` replaced by ``new`` (which must be there)."""
    assert old in base, old
    return base.replace(old, new, 1)


def acc(extra: str) -> str:
    """The training accelerators with ``extra`` fields."""
    return m("duration: 1 day}", f"duration: 1 day, {extra}}}")


def assess_case(
    text: str | bytes, *says: str, name: str = "a.yaml", more: Mapping[str, str] | None = None
) -> Case:
    """``assess FILE --json -o out.json`` (the sentinel) on ``text``; ``more`` files beside."""
    args = ("assess", f"{{d}}/{name}", "--json", "-o", "{d}/out.json")
    return Case(args, {name: text, **(more or {})}, (f"{{d}}/{name}", *says))


COUNT = "training.accelerators.count"
DURATION = "training.accelerators.duration"
BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["name: x"]
)

YAML_CASES = [
    # counts: negative, zero, not finite, huge, decimal comma, empty, wrong types
    pytest.param(assess_case(m("count: 8", "count: -8"), COUNT), id="count-negative"),
    pytest.param(assess_case(m("count: 8", "count: 0"), COUNT), id="count-zero"),
    pytest.param(assess_case(m("count: 8", "count: .nan"), COUNT), id="count-nan"),
    pytest.param(assess_case(m("count: 8", "count: nan"), COUNT), id="count-nan-text"),
    pytest.param(assess_case(m("count: 8", "count: .inf"), COUNT), id="count-inf"),
    pytest.param(assess_case(m("count: 8", "count: -.inf"), COUNT), id="count-minus-inf"),
    pytest.param(assess_case(m("count: 8", "count: 1e999"), COUNT), id="count-1e999"),
    pytest.param(assess_case(m("count: 8", "count: '1,5'"), COUNT, "comma"), id="count-comma"),
    pytest.param(assess_case(m("count: 8", "count: ''"), COUNT), id="count-empty"),
    pytest.param(assess_case(m("count: 8", "count: [8]"), COUNT), id="count-list"),
    pytest.param(assess_case(m("count: 8", "count: {n: 8}"), COUNT), id="count-mapping"),
    pytest.param(assess_case(m("count: 8", "count: true"), COUNT), id="count-bool"),
    pytest.param(assess_case(m("count: 8", f"count: {q(MARKUP)}"), COUNT), id="count-markup"),
    pytest.param(
        assess_case(m("count: 8", "count: 1e308"), COUNT),
        id="count-1e308",
    ),
    # quantities: wrong dimension, negative, not finite, unknown unit, huge text
    pytest.param(assess_case(m("1 day", "1 kg"), DURATION, "mass"), id="duration-mass"),
    pytest.param(assess_case(m("1 day", "-1 day"), DURATION, "negative"), id="duration-neg"),
    pytest.param(assess_case(m("1 day", "1e999 day"), DURATION), id="duration-1e999"),
    pytest.param(assess_case(m("1 day", "inf day"), DURATION), id="duration-inf"),
    pytest.param(assess_case(m("1 day", "nan h"), DURATION), id="duration-nan"),
    pytest.param(assess_case(m("1 day", "'1,5 day'"), DURATION, "comma"), id="duration-comma"),
    pytest.param(assess_case(m("1 day", "1 parsec"), DURATION, "parsec"), id="duration-unit"),
    pytest.param(assess_case(m("1 day", "''"), DURATION), id="duration-empty"),
    pytest.param(assess_case(m("1 day", "'" + "9" * 10_240 + " h'"), DURATION), id="duration-10kB"),
    pytest.param(assess_case(m("1 day", q(ESCAPES)), DURATION), id="duration-escapes"),
    pytest.param(
        assess_case(m("1 day", "1e300 years"), DURATION),
        id="duration-1e300-years",
    ),
    pytest.param(
        assess_case(acc("power: 700 kg"), "training.accelerators.power", "mass"), id="power-mass"
    ),
    pytest.param(
        assess_case(acc("power: -700 W"), "training.accelerators.power"), id="power-negative"
    ),
    pytest.param(
        assess_case(m("type: H100", f"type: {q(MARKUP)}"), "training.accelerators.type"),
        id="type-markup",
    ),
    pytest.param(
        assess_case(m("type: H100", "type: [H100]"), "training.accelerators.type"),
        id="type-list",
    ),
    pytest.param(assess_case(acc("wattage: 3 W"), "wattage", "unknown field"), id="unknown-key"),
    pytest.param(assess_case(ASSESS + "bogus: 1\n", "bogus"), id="unknown-top-key"),
    pytest.param(
        assess_case(ASSESS + f"{q(ESCAPES)}: 1\n", "unknown field"),
        id="unknown-key-escapes",
    ),
    # facility: PUE < 1, not a number, WUE negative or of the wrong dimension
    pytest.param(assess_case(ASSESS + "facility: {pue: 0.5}\n", "facility.pue"), id="pue-below-1"),
    pytest.param(assess_case(ASSESS + "facility: {pue: .nan}\n", "facility.pue"), id="pue-nan"),
    pytest.param(assess_case(ASSESS + "facility: {pue: abc}\n", "facility.pue"), id="pue-abc"),
    pytest.param(assess_case(ASSESS + "facility: {pue: 1e308}\n", "facility.pue"), id="pue-huge"),
    pytest.param(assess_case(ASSESS + "facility: {pue: '1,5'}\n", "facility.pue"), id="pue-comma"),
    pytest.param(
        assess_case(ASSESS + "facility: {wue: -1 L/kWh}\n", "facility.wue"), id="wue-negative"
    ),
    pytest.param(assess_case(ASSESS + "facility: {wue: 5 kWh}\n", "facility.wue"), id="wue-dim"),
    pytest.param(
        assess_case(ASSESS + "facility: {cooling: lava}\n", "facility.cooling"), id="cooling"
    ),
    # grid: shares > 1 or < 0, intensities of the wrong dimension or negative
    pytest.param(
        assess_case(m("{region: FR}", "{region: FR, renewable_share: 1.5}"), "renewable_share"),
        id="share-1.5",
    ),
    pytest.param(
        assess_case(m("{region: FR}", "{region: FR, renewable_share: 150%}"), "renewable_share"),
        id="share-150pct",
    ),
    pytest.param(
        assess_case(
            m("{region: FR}", "{region: FR, contract_share: -0.1, contract_intensity: 0 g/kWh}"),
            "grid.contract_share",
        ),
        id="share-negative",
    ),
    pytest.param(
        assess_case(m("{region: FR}", "{region: FR, co2e_intensity: 5 kWh}"), "co2e_intensity"),
        id="intensity-dim",
    ),
    pytest.param(
        assess_case(m("{region: FR}", "{region: FR, co2e_intensity: -5 g/kWh}"), "co2e_intensity"),
        id="intensity-negative",
    ),
    pytest.param(assess_case(m("{region: FR}", "{region: ''}"), "grid.region"), id="region-empty"),
    pytest.param(
        assess_case(m("{region: FR}", f"{{region: {q(HTML_MD)}}}"), "grid.region"),
        id="region-html",
    ),
    # lists where mappings go, mappings where lists go, wrong types
    pytest.param(assess_case(m("{region: FR}", "[FR]"), "grid", "mapping"), id="grid-list"),
    pytest.param(assess_case(m("{region: FR}", "FR"), "grid", "mapping"), id="grid-scalar"),
    pytest.param(assess_case("name: x\ntraining: [1, 2]\n", "training"), id="training-list"),
    pytest.param(assess_case("name: [x]\ntraining: {}\n", "name"), id="name-list"),
    pytest.param(assess_case(ASSESS + "sources: 5\n", "sources"), id="sources-int"),
    pytest.param(
        assess_case(ASSESS + "manufacturing: {components: {name: x}}\n", "components"),
        id="components-mapping",
    ),
    pytest.param(
        assess_case(
            ASSESS + "annotation: {annotators: 3, hours: 4 h, devices: laptop}\n",
            "annotation.devices",
        ),
        id="devices-scalar",
    ),
    # YAML structure: duplicate keys, aliases, tags, nesting, not a mapping
    pytest.param(assess_case(ASSESS + "grid: {region: DE}\n", "duplicate key 'grid'"), id="dup"),
    pytest.param(
        assess_case("x: &a {name: q}\n" + ASSESS + "usage: *a\n", "usage.name"), id="alias-misused"
    ),
    pytest.param(assess_case(BILLION_LAUGHS, "values"), id="alias-bomb"),
    pytest.param(assess_case("name: x\nloop: &l [*l]\n"), id="alias-recursive"),
    pytest.param(assess_case("name: !!python/object/apply:os.system ['true']\n"), id="py-apply"),
    pytest.param(assess_case("name: !!python/object:os.system {}\n"), id="py-object"),
    pytest.param(assess_case("name: !!python/name:os.system ''\n"), id="py-name"),
    pytest.param(
        assess_case("name: x\ndeep: " + "[" * 10_000 + "]" * 10_000 + "\n", "deep"), id="deep"
    ),
    pytest.param(assess_case("- 1\n- 2\n", "mapping"), id="top-list"),
    pytest.param(assess_case("5\n", "mapping"), id="top-scalar"),
    pytest.param(assess_case(b"", "empty"), id="0-byte"),
    pytest.param(assess_case("null\n", "empty"), id="null"),
    pytest.param(assess_case(b"name: x\x00y\n"), id="nul-byte"),
    pytest.param(assess_case(b"name: \xff\xfe caf\xe9\n", "UTF-8"), id="not-utf8"),
    pytest.param(assess_case("\ufeffname: x\n\x85\u2028: 1\n"), id="bom-and-odd-breaks"),
    # the other phases
    pytest.param(
        assess_case(ASSESS + "functional_unit: per 0 requests\n", "functional_unit"), id="fu-0"
    ),
    pytest.param(
        assess_case(ASSESS + "functional_unit: per nan tokens\n", "functional_unit"), id="fu-nan"
    ),
    pytest.param(
        assess_case(ASSESS + "functional_unit: per 1000 widgets\n", "functional_unit"),
        id="fu-unknown",
    ),
    pytest.param(
        assess_case(ASSESS + "usage: {requests: -5, energy_per_request: 1 Wh}\n", "usage.requests"),
        id="requests-negative",
    ),
    pytest.param(
        assess_case(
            ASSESS + "usage: {requests: 5, energy_per_request: 1 kg}\n", "usage.energy_per_request"
        ),
        id="energy-per-request-mass",
    ),
    pytest.param(
        assess_case(
            ASSESS + "usage: {requests: 5, energy_per_request: 1 Wh, "
            "network: {medium: 4g, data_per_request: -1 kB}}\n",
            "data_per_request",
        ),
        id="data-negative",
    ),
    pytest.param(
        assess_case(ASSESS + "annotation: {annotators: -3, hours: 4 h}\n", "annotators"),
        id="annotators-negative",
    ),
    pytest.param(
        assess_case(
            ASSESS + "manufacturing: {components: [{name: x, embodied: 5 kgCO2e, "
            "lifetime: 0 years, utilization: 0.5}]}\n",
            "manufacturing.components[0]",
        ),
        id="lifetime-0",
    ),
    pytest.param(
        assess_case(
            ASSESS + "manufacturing: {components: [{name: x, embodied: 5 kgCO2e, "
            "lifetime: 5 years, utilization: 1.5}]}\n",
            "utilization",
        ),
        id="utilization-1.5",
    ),
    pytest.param(
        assess_case(ASSESS + "reported: {co2e: 5 kgCO2e}\n", "reported.source"),
        id="reported-no-source",
    ),
    pytest.param(
        assess_case(
            m("count: 8, duration: 1 day", "model: {parameters: -70B}, tokens: 2T"), "parameters"
        ),
        id="parameters-negative",
    ),
    pytest.param(
        assess_case(acc("flops: 1e24 W"), "training.accelerators.flops"), id="flops-dimension"
    ),
    # measured inputs outside the file's folder
    pytest.param(
        assess_case(ASSESS + "  measured: {runs: ['../../../etc/passwd']}\n", "measured.runs"),
        id="runs-dotdot",
    ),
    pytest.param(
        assess_case(ASSESS + "  measured: {runs: ['/etc/passwd']}\n", "outside"),
        id="runs-absolute",
    ),
    pytest.param(
        assess_case(ASSESS + "  measured: {runs: ['/etc/*']}\n", "measured.runs"),
        id="runs-glob-outside",
    ),
    pytest.param(
        assess_case(ASSESS + "  measured: {runs: 'r.jsonl'}\n", "measured.runs"),
        id="runs-not-a-list",
    ),
    pytest.param(
        assess_case(
            ASSESS + "  measured: {runs: [r.jsonl], hourly_intensity: /etc/passwd}\n",
            "hourly_intensity",
            more={"r.jsonl": run_file()},
        ),
        id="intensity-absolute",
    ),
]

DIST_LINE = (
    "an error in an uncertain value ('A ± B') is reported on line 1 of the file and names "
    "no field (spec/distributions.py raises it without the field's path and line)"
)


def dist(value: str) -> str:
    return m("1 day", q(value))


DISTRIBUTION_CASES = [
    pytest.param(assess_case(dist("100 h ± -10%"), DURATION), id="sd-negative"),
    pytest.param(assess_case(dist("100 h ± nan%"), DURATION), id="sd-nan"),
    pytest.param(assess_case(dist("100 h ± 1e999%"), DURATION), id="sd-1e999"),
    pytest.param(assess_case(dist("100 ± 10%"), DURATION, "unit"), id="mean-no-unit"),
    pytest.param(assess_case(dist("1 h ±"), DURATION), id="sd-missing"),
    pytest.param(assess_case(dist("±"), DURATION), id="only-sign"),
    pytest.param(
        assess_case(dist("0±%"), DURATION),
        id="sd-empty-percent",
    ),
    pytest.param(
        assess_case(dist("100 h ±10%%"), DURATION),
        id="sd-double-percent",
    ),
    pytest.param(assess_case(dist("0± h"), "a.yaml:4", DURATION), id="sd-no-number"),
    pytest.param(
        assess_case(dist("100 h ± 10 kg"), "a.yaml:4", DURATION),
        id="sd-wrong-dimension",
    ),
    pytest.param(
        assess_case(dist("1 h ± 1 h ± 1 h"), "a.yaml:4", DURATION),
        id="sd-twice",
    ),
]


def test_a_huge_spread_gives_no_infinity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'100 h +- 1e308 h' with --samples: refused, or a strict JSON result."""
    f = tmp_path / "a.yaml"
    f.write_text(dist("100 h +- 1e308 h"))
    res = cli(["assess", str(f), "--json", "--samples", "100"], capsys)
    if res.code == 2:
        assert_refused(res, (str(f), DURATION))
    else:
        assert res.code == 0 and not res.err, res.err  # no RuntimeWarning
        strict_json(res.out)


test_a_huge_spread_gives_no_infinity = pytest.mark.filterwarnings("ignore::RuntimeWarning")(
    test_a_huge_spread_gives_no_infinity
)


TOML = """\
name = "hostile"
[grid]
region = "FR"
[training.accelerators]
type = "H100"
count = 8
duration = "1 day"
"""

TOML_CASES = [
    pytest.param(assess_case(m("count = 8", "count = -8", TOML), COUNT, name="a.toml"), id="neg"),
    pytest.param(assess_case(m("count = 8", "count = nan", TOML), COUNT, name="a.toml"), id="nan"),
    pytest.param(assess_case(m("count = 8", "count = inf", TOML), COUNT, name="a.toml"), id="inf"),
    pytest.param(assess_case(m("count = 8", "count = [8]", TOML), COUNT, name="a.toml"), id="list"),
    pytest.param(assess_case(m('"1 day"', '"1,5 day"', TOML), DURATION, name="a.toml"), id="comma"),
    pytest.param(
        assess_case(TOML + "[facility]\npue = 0.5\n", "facility.pue", name="a.toml"), id="pue"
    ),
    pytest.param(assess_case(TOML + "bogus = 1\n", "bogus", name="a.toml"), id="unknown-key"),
    pytest.param(assess_case('name = "x"\nname = "y"\n', "TOML", name="a.toml"), id="dup"),
    pytest.param(assess_case('name = "x"\n[grid\n', "TOML", name="a.toml"), id="malformed"),
    pytest.param(assess_case(b'name = "\xff"\n', "UTF-8", name="a.toml"), id="not-utf8"),
    pytest.param(assess_case(b'name = "a\x00b"\n', name="a.toml"), id="nul"),
    pytest.param(assess_case('grid = "FR"\nname = "x"\n', "grid", name="a.toml"), id="grid-str"),
    pytest.param(
        assess_case('name = "x"\ndeep = ' + "[" * 5_000 + "]" * 5_000 + "\n", name="a.toml"),
        id="deep",
    ),
]


@pytest.mark.parametrize("case", YAML_CASES + DISTRIBUTION_CASES + TOML_CASES)
def test_bad_assessment_files(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(case, tmp_path, capsys)


def test_assessment_files_that_are_not_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder, a pipe, a missing file, a file past the 16 MiB limit: exit 2, one line."""
    (tmp_path / "out.json").write_text(SENTINEL)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    with big.open("w") as fh:
        fh.write(ASSESS + "description: >\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(17 * 1024):
            fh.write(line)
    before = snapshot(tmp_path)
    for target, says in (
        (tmp_path, "director"),
        (fifo, "regular file"),
        (tmp_path / "missing.yaml", "does not exist"),
        (big, "MiB"),
    ):
        res = cli(["assess", str(target), "--json", "-o", str(tmp_path / "out.json")], capsys)
        assert_refused(res, (str(target), says))
    assert snapshot(tmp_path) == before


# -- run files (lcai track's JSON Lines) ------------------------------------------------


def runs_case(text: str | bytes, *says: str) -> Case:
    return Case(
        ("runs", "show", "{d}/r.jsonl", "--json"), {"r.jsonl": text}, ("{d}/r.jsonl", *says)
    )


def measured_case(text: str | bytes, *says: str) -> Case:
    """The run file read into an assessment (``training.measured.runs``)."""
    yaml = "name: m\ngrid: {region: FR}\ntraining:\n  measured: {runs: [r.jsonl]}\n"
    files = {"a.yaml": yaml, "r.jsonl": text}
    return Case(("assess", "{d}/a.yaml", "--json", "-o", "{d}/out.json"), files, says)


HOURLY = INTENSITY


def hourly_case(text: str | bytes, *says: str) -> Case:
    """An hourly intensity CSV read into an assessment with a run file."""
    yaml = (
        "name: m\ngrid: {region: FR}\ntraining:\n"
        "  measured: {runs: [r.jsonl], hourly_intensity: hourly.csv}\n"
    )
    files = {"a.yaml": yaml, "r.jsonl": run_file(), "hourly.csv": text}
    return Case(
        ("assess", "{d}/a.yaml", "--json", "-o", "{d}/out.json"), files, ("hourly.csv", *says)
    )


GOOD_SAMPLES = (sample(T0_S, 0.0), sample(T0_S + 1, 300.0))
BACKWARDS = (sample(T0_S, 0.0), sample(T0_S + 1, 3.6e6), sample(T0_S + 2, 0.0))
BACKWARDS_BUG = (
    "an energy counter that goes back within one hour (0, 1 kWh, 0 J) is read as 0 kWh, "
    "exit 0; docs/security.md: a run file whose counter goes backwards is refused "
    "(measure/runfile.py Run.energy_j takes last - first; measure/inputs.py checks only the "
    "sum per hour)"
)
RUN_RECORDS = {
    "five": ("5", "r.jsonl:4"),
    "null": ("null", "r.jsonl:4"),
    "list": ("[1, 2]", "r.jsonl:4"),
    "end-5": ('{"end": 5}', "end record"),
    "sample-5": ('{"sample": 5}', "sample"),
    "sample-null": ('{"sample": null}', "sample"),
    "sample-short": ('{"sample": {"t": 2}}', "sample"),
    "t-text": (sample("x", 1.0), "sample"),  # type: ignore[arg-type]
    "energy-text": (sample(T0_S + 2, "1,5"), "sample"),
    "energy-nan": (sample(T0_S + 2, math.nan), "energy_j"),
    "t-inf": (sample(math.inf, 1.0), "t must be a finite number"),
    "power-minus-inf": (sample(T0_S + 2, 400.0, power_w=-math.inf), "power_w"),
    "cut-mid-file": ('{"sample": {"t": 3.0, "dev', "not a JSON record"),
    "nul-line": ("\x00", "not a JSON record"),
}


def _record_cases() -> list[Any]:
    out = []
    for name, (record, says) in RUN_RECORDS.items():
        text = run_file(*GOOD_SAMPLES, record)
        out.append(pytest.param(runs_case(text, says), id=f"show-{name}"))
        out.append(pytest.param(measured_case(text, "{d}/r.jsonl"), id=f"assess-{name}"))
    return out


RUN_CASES = [
    *_record_cases(),
    pytest.param(runs_case(b"", "empty"), id="show-0-byte"),
    pytest.param(runs_case("\n", "header"), id="show-blank-header"),
    pytest.param(runs_case(b"\xff\xfe\x00{\n", "header"), id="show-not-utf8"),
    pytest.param(runs_case('{"format": "other"}\n', "not an lcai run file"), id="show-format"),
    pytest.param(runs_case("[]\n", "not an lcai run file"), id="show-header-list"),
    pytest.param(measured_case(b"", "{d}/r.jsonl", "empty"), id="assess-0-byte"),
    pytest.param(hourly_case(HOURLY.replace(",50", ",-50"), "gco2e_per_kwh"), id="hourly-negative"),
    pytest.param(hourly_case(HOURLY.replace(",50", ",nan"), "gco2e_per_kwh"), id="hourly-nan"),
    pytest.param(hourly_case(HOURLY.encode().replace(b"FR", b"F\xff"), "UTF-8"), id="hourly-utf8"),
    pytest.param(hourly_case(HOURLY + HOURLY.split("\n", 1)[1], "line"), id="hourly-hour-twice"),
    pytest.param(hourly_case(b"", "hourly.csv"), id="hourly-0-byte"),
    pytest.param(
        hourly_case(HOURLY.replace("2026-01-05T00:00:00+00:00", "soon"), "timestamp"),
        id="hourly-bad-timestamp",
    ),
    pytest.param(
        measured_case(run_file(sample(T0_S, 0.0), sample(T0_S + 1, -3.6e6)), "backwards"),
        id="assess-negative-energy",
    ),
    pytest.param(
        measured_case(run_file(sample(T0_S, 3.6e6), sample(T0_S + 7200, 0.0)), "backwards"),
        id="assess-backwards-over-hours",
    ),
    pytest.param(
        runs_case(run_file(*BACKWARDS), "backwards"),
        id="show-backwards",
    ),
    pytest.param(
        measured_case(run_file(*BACKWARDS), "backwards"),
        id="assess-backwards-within-hour",
    ),
    pytest.param(
        runs_case(run_file(sample(T0_S, 0.0), sample(T0_S + 1, -3.6e6)), "backwards"),
        id="show-negative-energy",
    ),
]


@pytest.mark.parametrize("case", RUN_CASES)
def test_bad_run_files(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(case, tmp_path, capsys)


# -- fleet telemetry, job tables, intensity and sites -----------------------------------


def fleet_case(
    *says: str, extra: tuple[str, ...] = (), power_name: str = "power.csv", **inputs: Any
) -> Case:
    """``fleet account`` on the tiny fleet with some inputs replaced; ``-o`` holds an old set."""
    return Case(fleet(power_name, *extra), _fleet_inputs(power_name=power_name, **inputs), says)


def parquet(**columns: list[Any]) -> Callable[[], bytes]:
    """The bytes of a Parquet file with these columns (built when the case runs)."""

    def build() -> bytes:
        import io

        import polars as pl

        buf = io.BytesIO()
        pl.DataFrame(columns).write_parquet(buf)
        return buf.getvalue()

    return build


EMPTY_PARQUET: dict[str, list[Any]] = {"t_ms": [], "node": [], "gpu": [], "power_w": []}
P2: dict[str, list[Any]] = {"t_ms": [T0_MS, T0_MS + 1000], "node": ["n0", "n0"]}
POWER_FILE = "{d}/power.csv"
PQ = "{d}/power.parquet"
JOBS_FILE = "{d}/jobs.csv"
INT_FILE = "{d}/int.csv"
SITES_FILE = "{d}/sites.csv"
FLEET_RANGE_GAP = (
    "every fleet input column still needs its range checks (docs/security.md, known gaps)"
)


def j(old: str, new: str) -> str:
    return m(old, new, JOBS)


FLEET_CASES = [
    # power telemetry, CSV
    pytest.param(fleet_case(POWER_FILE, power=b""), id="power-0-byte"),
    pytest.param(
        fleet_case(POWER_FILE, "gpu", power="t_ms,node,gpu,power_w\n1,n0\n2,n0,0,5\n"),
        id="power-short-rows",
    ),
    pytest.param(
        fleet_case(POWER_FILE, power=b"t_ms,node,gpu,power_w\n1,n\xff0,0,5\n"), id="power-not-utf8"
    ),
    pytest.param(
        fleet_case(POWER_FILE, power="timestamp,node,gpu,power_w\nyesterday,n0,0,5\n"),
        id="power-bad-timestamp",
    ),
    pytest.param(
        fleet_case(POWER_FILE, power="timestamp,node,gpu,power_w\n2026-13-45T99:00:00,n0,0,5\n"),
        id="power-bad-date",
    ),
    pytest.param(
        fleet_case(POWER_FILE, power="timestamp,node,gpu,power_w\nnan,n0,0,5\n"),
        id="power-timestamp-nan",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "t_ms", power="t_ms,node,gpu,power_w\nabc,n0,0,5\n"),
        id="power-t-text",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "t_ms", power="t_ms,node,gpu,power_w\n" + "9" * 30 + ",n0,0,5\n"),
        id="power-t-huge",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "gpu", "0-63", power=POWER.replace(",n0,1,", ",n0,64,")),
        id="power-gpu-64",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "gpu", "0-63", power=POWER.replace(",n0,1,", ",n0,-1,")),
        id="power-gpu-negative",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "gpu", power=POWER.replace(",n0,1,", ",n0,1e10,")),
        id="power-gpu-float",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "gpu", power=POWER.replace(",n0,1,", ",n0,x,")), id="power-gpu-text"
    ),
    pytest.param(
        fleet_case(POWER_FILE, "power_w", power=POWER.replace(",300\n", ",abc\n")), id="power-abc"
    ),
    pytest.param(
        fleet_case(POWER_FILE, "power_w", power=POWER.replace(",300\n", ',"1,5"\n')),
        id="power-comma",
    ),
    pytest.param(
        fleet_case(POWER_FILE, "node", power=POWER.replace(",n0,1,", ",,1,")), id="power-node-empty"
    ),
    pytest.param(
        fleet_case(POWER_FILE, "time", power="node,gpu,power_w\nn0,0,5\n"), id="power-no-time"
    ),
    pytest.param(
        fleet_case(POWER_FILE, "power_w", power="t_ms,node,gpu\n1,n0,0\n"), id="power-no-power"
    ),
    # power telemetry, Parquet and run files
    pytest.param(fleet_case(PQ, power=b"", power_name="power.parquet"), id="parquet-0-byte"),
    pytest.param(
        fleet_case(PQ, power=b"PAR1garbagePAR1", power_name="power.parquet"), id="parquet-garbage"
    ),
    pytest.param(
        fleet_case(PQ, power=b"t_ms,node,gpu,power_w\n1,n0,0,5\n", power_name="power.parquet"),
        id="parquet-is-csv",
    ),
    pytest.param(
        fleet_case(
            PQ,
            "gpu",
            "0-63",
            power=parquet(**P2, gpu=[64, 64], power_w=[1.0, 2.0]),
            power_name="power.parquet",
        ),
        id="parquet-gpu-64",
    ),
    pytest.param(
        fleet_case(
            PQ,
            "power_w",
            power=parquet(**P2, gpu=[0, 0], power_w=["a", "b"]),
            power_name="power.parquet",
        ),
        id="parquet-power-text",
    ),
    pytest.param(
        fleet_case(
            PQ,
            "node",
            power=parquet(**{**P2, "node": [None, None]}, gpu=[0, 0], power_w=[1.0, 2.0]),
            power_name="power.parquet",
        ),
        id="parquet-node-null",
    ),
    pytest.param(
        fleet_case(
            "{d}/r.jsonl",
            power=run_file(
                sample(T0_S, 0.0, device="gpu:x"), sample(T0_S + 1, 1.0, device="gpu:x")
            ),
            power_name="r.jsonl",
        ),
        id="runfile-gpu-x",
    ),
    pytest.param(
        fleet_case(
            "{d}/r.jsonl",
            "gpu",
            power=run_file(
                sample(T0_S, 0.0, device="gpu:64"), sample(T0_S + 1, 1.0, device="gpu:64")
            ),
            power_name="r.jsonl",
        ),
        id="runfile-gpu-64",
    ),
    pytest.param(
        fleet_case("{d}/r.jsonl", power=run_file(sample(T0_S, math.nan)), power_name="r.jsonl"),
        id="runfile-nan",
    ),
    pytest.param(fleet_case("{d}/r.jsonl", power="5\n", power_name="r.jsonl"), id="runfile-5"),
    # job tables
    pytest.param(
        fleet_case(JOBS_FILE, jobs=b""),
        id="jobs-0-byte",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "empty", jobs="job_id,node,gpus,start,end\n"), id="jobs-header-only"
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "gpus", jobs=j('"0,1"', '"x,y"')),
        id="jobs-gpus-text",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "gpus", jobs=j('"0,1"', "64")),
        id="jobs-gpus-64",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "gpus", jobs=j('"0,1"', "-1")),
        id="jobs-gpus-negative",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, jobs=JOBS.encode().replace(b"j1", b"j\xff")),
        id="jobs-not-utf8",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "start", jobs=j("2026-01-05T00:00:00+00:00", "yesterday")),
        id="jobs-bad-start",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "start", jobs=j("2026-01-05T00:00:00+00:00", "nan")),
        id="jobs-start-nan",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "start", jobs=j("2026-01-05T00:00:00+00:00", "1e999")),
        id="jobs-start-1e999",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "start", jobs=j("2026-01-05T00:00:00+00:00", "9" * 400)),
        id="jobs-start-huge",
    ),
    pytest.param(
        fleet_case(
            JOBS_FILE,
            "end is not after start",
            jobs=j("2026-01-05T00:00:05", "2025-01-05T00:00:05"),
        ),
        id="jobs-end-before-start",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "needs columns", jobs="job_id,node\nj1,n0\n"),
        id="jobs-missing-column",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, jobs="job_id,node,gpus,start,end\nj1,n0\n"),
        id="jobs-short-row",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "AllocTRES", jobs=SACCT.format(tres="gres/gpu=x")),
        id="sacct-gpus-text",
    ),
    pytest.param(
        fleet_case(JOBS_FILE, "gpu", jobs=SACCT.format(tres="gres/gpu=65")),
        id="sacct-gpus-65",
    ),
    # hourly intensity
    pytest.param(fleet_case(INT_FILE, intensity=b""), id="intensity-0-byte"),
    pytest.param(
        fleet_case(INT_FILE, "UTF-8", intensity=INTENSITY.encode().replace(b"FR", b"F\xff")),
        id="intensity-not-utf8",
    ),
    pytest.param(
        fleet_case(INT_FILE, "gco2e_per_kwh", intensity=INTENSITY.replace(",50", ",-50")),
        id="intensity-negative",
    ),
    pytest.param(
        fleet_case(INT_FILE, "gco2e_per_kwh", intensity=INTENSITY.replace(",50", ",nan")),
        id="intensity-nan",
    ),
    pytest.param(
        fleet_case(INT_FILE, "gco2e_per_kwh", intensity=INTENSITY.replace(",50", ",inf")),
        id="intensity-inf",
    ),
    pytest.param(
        fleet_case(INT_FILE, "gco2e_per_kwh", intensity=INTENSITY.replace(",50", ",1e308")),
        id="intensity-huge",
    ),
    pytest.param(
        fleet_case(INT_FILE, "gco2e_per_kwh", intensity=INTENSITY.replace(",50", ',"1,5"')),
        id="intensity-comma",
    ),
    pytest.param(
        fleet_case(
            INT_FILE, "timestamp", intensity=INTENSITY.replace("2026-01-05T00:00:00+00:00", "soon")
        ),
        id="intensity-bad-timestamp",
    ),
    pytest.param(
        fleet_case(
            INT_FILE,
            "line 2",
            intensity="timestamp,region,gco2e_per_kwh\n2026-01-05T00:00:00+00:00\n",
        ),
        id="intensity-short-row",
    ),
    pytest.param(
        fleet_case(INT_FILE, intensity="timestamp,gco2e_per_kwh\n2026-01-05T00:00:00+00:00,5\n"),
        id="intensity-no-region",
    ),
    pytest.param(
        fleet_case(INT_FILE, "line", intensity=INTENSITY + "2026-01-05T00:00:00+00:00,FR,60\n"),
        id="intensity-hour-twice",
    ),
    # sites
    pytest.param(
        fleet_case(SITES_FILE, "pue", sites=SITES.replace("1.2", "abc")), id="sites-pue-abc"
    ),
    pytest.param(
        fleet_case(SITES_FILE, "pue", sites=SITES.replace("1.2", "0.5")), id="sites-pue-below-1"
    ),
    pytest.param(
        fleet_case(SITES_FILE, "pue", sites=SITES.replace("1.2", "nan")), id="sites-pue-nan"
    ),
    pytest.param(
        fleet_case(SITES_FILE, "pue", sites=SITES.replace("1.2", "inf")), id="sites-pue-inf"
    ),
    pytest.param(
        fleet_case(SITES_FILE, "pue", sites=SITES.replace("1.2", "1e308")),
        id="sites-pue-huge",
    ),
    pytest.param(
        fleet_case(SITES_FILE, "wue_l_per_kwh", sites=SITES.replace("0.5", "-1")),
        id="sites-wue-negative",
    ),
    pytest.param(
        fleet_case(SITES_FILE, "accelerator", sites=SITES.replace("H100", "toaster")),
        id="sites-accelerator",
    ),
    pytest.param(
        fleet_case(SITES_FILE, "region", sites=SITES.replace(",FR,", ",ZZ,")), id="sites-region"
    ),
    pytest.param(fleet_case(SITES_FILE, sites=b""), id="sites-0-byte"),
    pytest.param(fleet_case(SITES_FILE, sites=b"node,region\nn\xff,FR\n"), id="sites-not-utf8"),
    pytest.param(
        fleet_case(SITES_FILE, "twice", sites=SITES + "n0,FR,1.2,0.5,H100\n"), id="sites-node-twice"
    ),
    pytest.param(fleet_case(SITES_FILE, "node", sites="region\nFR\n"), id="sites-no-node"),
    pytest.param(fleet_case(SITES_FILE, "node", sites="node,region\n,FR\n"), id="sites-node-empty"),
    # options
    pytest.param(
        fleet_case("--gap", extra=("--gap", "nan")),
        id="gap-nan",
    ),
    pytest.param(
        fleet_case("--gap", extra=("--gap", "inf")),
        id="gap-inf",
    ),
    pytest.param(
        fleet_case("--gap", extra=("--gap", "-1")),
        id="gap-negative",
    ),
    pytest.param(fleet_case("--gap", extra=("--gap", "abc")), id="gap-text"),
    pytest.param(fleet_case("--gap", extra=("--gap", "1,5")), id="gap-comma"),
    pytest.param(
        fleet_case("--allocate-idle", extra=("--allocate-idle", "zz")), id="allocate-idle"
    ),
    pytest.param(fleet_case("--engine", extra=("--engine", MARKUP)), id="engine"),
]


@pytest.mark.parametrize("case", FLEET_CASES)
def test_bad_fleet_inputs(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], old_fleet: Path
) -> None:
    files = {k: v() if callable(v) else v for k, v in case.files.items()}
    refused(Case(case.args, files, case.says), tmp_path, capsys, old_fleet)


# -- options of every command ----------------------------------------------------------

A_FILE = "{d}/a.yaml"
HUGE_INT = str(2**64)
PROJECT = ("project", "--start", "200 TWh", "--growth", "25%", "--from", "2024", "--to", "2030")


def opt(*args: str, says: tuple[str, ...] = ()) -> Case:
    """A command on the plain assessment file ``{d}/a.yaml``."""
    return Case(args, {"a.yaml": ASSESS}, says)


def p(*args: str) -> list[str]:
    """PROJECT with some options replaced: ``p('--growth', 'nan')``."""
    out = list(PROJECT)
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag in out:
            out[out.index(flag) + 1] = value
        else:
            out += [flag, value]
    return out


OPTION_CASES = [
    # assess
    pytest.param(
        opt("assess", A_FILE, "--samples", "0", says=("--samples",)), id="assess-samples-0"
    ),
    pytest.param(
        opt("assess", A_FILE, "--samples", "-1", says=("--samples",)), id="assess-samples-neg"
    ),
    pytest.param(
        opt("assess", A_FILE, "--samples", "1e3", says=("--samples",)), id="assess-samples-float"
    ),
    pytest.param(
        opt("assess", A_FILE, "--samples", "99999999999", says=("samples", "2,000,000")),
        id="assess-samples-huge",
    ),
    pytest.param(
        opt("assess", A_FILE, "-n", "10", "--seed", "-1", says=("seed",)), id="assess-seed-neg"
    ),
    pytest.param(
        opt("assess", A_FILE, "-n", "10", "--seed", HUGE_INT, says=("seed",)), id="assess-seed-huge"
    ),
    pytest.param(opt("assess", A_FILE, "--seed", "nan", says=("--seed",)), id="assess-seed-nan"),
    pytest.param(
        opt("assess", A_FILE, "--json", "--csv", says=("--json", "--csv")), id="assess-json-csv"
    ),
    pytest.param(opt("assess", A_FILE, "--bogus", says=("--bogus",)), id="assess-unknown-option"),
    pytest.param(
        opt("assess", A_FILE, "--report", "{d}/r.docx", says=("--report", "r.docx")),
        id="assess-report-docx",
    ),
    pytest.param(opt("assess", says=("FILE",)), id="assess-no-file"),
    # compare, schema
    pytest.param(
        opt("compare", A_FILE, "{d}/missing.yaml", says=("{d}/missing.yaml",)), id="compare-missing"
    ),
    pytest.param(
        Case(
            ("compare", A_FILE, "{d}/b.yaml"),
            {
                "a.yaml": ASSESS,
                "b.yaml": ASSESS
                + "usage: {requests: 5, energy_per_request: 1 Wh}\n"
                + "functional_unit: per 1 request\n",
            },
            ("{d}/b.yaml", "functional_unit"),
        ),
        id="compare-functional-units",
    ),
    pytest.param(
        Case(
            ("compare", A_FILE, "{d}/b.yaml"),
            {"a.yaml": ASSESS, "b.yaml": m("count: 8", "count: -8")},
            ("{d}/b.yaml", COUNT),
        ),
        id="compare-bad-second",
    ),
    pytest.param(opt("compare", says=("FILES",)), id="compare-no-files"),
    pytest.param(opt("schema", "extra", says=("extra",)), id="schema-extra-argument"),
    # data
    pytest.param(opt("data", "list", "extra", says=("extra",)), id="data-list-extra"),
    pytest.param(opt("data", "show", "nope", says=("nope",)), id="data-show-table"),
    pytest.param(opt("data", "show", "../../etc/passwd", says=("passwd",)), id="data-show-path"),
    pytest.param(
        opt("data", "show", "grid_intensity", "--filter", "nokey", says=("--filter",)),
        id="data-filter-no-eq",
    ),
    pytest.param(
        opt("data", "show", "grid_intensity", "--filter", "zz=FR", says=("--filter", "zz")),
        id="data-filter-column",
    ),
    pytest.param(
        opt("data", "show", "grid_intensity", "--filter", f"key={HTML_MD}", says=("key",)),
        id="data-filter-html",
    ),
    pytest.param(
        opt("data", "show", "grid_intensity", "--filter", f"key={ESCAPES}", says=("key",)),
        id="data-filter-escapes",
    ),
    pytest.param(opt("data", "cite", MARKUP, says=("source",)), id="data-cite-markup"),
    pytest.param(opt("data", "cite", "", says=("source",)), id="data-cite-empty"),
    pytest.param(opt("data", "cite", LONG, says=("source",)), id="data-cite-long"),
    pytest.param(opt("data", "nope", says=("nope",)), id="data-unknown-command"),
    # validate
    pytest.param(
        opt("validate", "--suite", "{d}/missing.yaml", says=("{d}/missing.yaml",)),
        id="validate-missing",
    ),
    pytest.param(opt("validate", "--suite", "{d}", says=("{d}",)), id="validate-folder"),
    pytest.param(opt("validate", "--mode", "x", says=("--mode",)), id="validate-mode"),
    # sensitivity
    pytest.param(
        opt("sensitivity", A_FILE, "--base-samples", "1", says=("--base-samples",)),
        id="sens-base-1",
    ),
    pytest.param(
        opt("sensitivity", A_FILE, "--base-samples", "nan", says=("--base-samples",)),
        id="sens-base-nan",
    ),
    pytest.param(
        opt("sensitivity", A_FILE, "--base-samples", "99999999999", says=("--base-samples",)),
        id="sens-base-huge",
    ),
    pytest.param(opt("sensitivity", A_FILE, "-q", "x", says=("--quantity",)), id="sens-quantity"),
    pytest.param(
        opt("sensitivity", A_FILE, "--seed", "-1", says=("seed",)),
        id="sens-seed-neg",
    ),
    pytest.param(
        opt("sensitivity", A_FILE, "--seed", HUGE_INT, says=("seed",)),
        id="sens-seed-huge",
    ),
    pytest.param(
        opt("sensitivity", "{d}/missing.yaml", says=("{d}/missing.yaml",)), id="sens-missing"
    ),
    # scenarios
    pytest.param(opt("scenarios", A_FILE, "-s", "nope", says=("nope",)), id="scen-unknown"),
    pytest.param(
        opt("scenarios", A_FILE, "-s", "move-region:", says=("move-region",)), id="scen-no-argument"
    ),
    pytest.param(
        opt("scenarios", A_FILE, "-s", f"move-region:{MARKUP}", says=("grid.region",)),
        id="scen-region-markup",
    ),
    pytest.param(
        opt("scenarios", A_FILE, "-s", f"move-region:{ESCAPES}", says=("grid.region",)),
        id="scen-region-escapes",
    ),
    pytest.param(
        opt("scenarios", A_FILE, "-s", "accelerator:ZZZ", says=("ZZZ",)), id="scen-accelerator"
    ),
    pytest.param(opt("scenarios", A_FILE, "-n", "1", says=("--samples",)), id="scen-samples-1"),
    pytest.param(
        opt("scenarios", A_FILE, "-n", "99999999999", says=("samples",)), id="scen-samples-huge"
    ),
    pytest.param(
        opt("scenarios", A_FILE, "-n", "10", "--seed", "-1", says=("seed",)), id="scen-seed-neg"
    ),
    pytest.param(
        opt("scenarios", A_FILE, "-f", "{d}/missing.yaml", says=("{d}/missing.yaml",)),
        id="scen-file-missing",
    ),
    pytest.param(
        opt(
            "export",
            A_FILE,
            "--to",
            "openlca",
            "--seed",
            "3",
            "-o",
            "{d}/x.zip",
            says=("--seed", "--samples"),
        ),
        id="export-seed-without-samples",
    ),
    # project
    pytest.param(opt("project", "--preset", "nope", says=("nope",)), id="proj-preset"),
    pytest.param(opt(*p("--start", "1,5 TWh"), says=("--start", "comma")), id="proj-start-comma"),
    pytest.param(opt(*p("--start", "1e999 TWh"), says=("--start",)), id="proj-start-1e999"),
    pytest.param(opt(*p("--start", "inf TWh"), says=("--start",)), id="proj-start-inf"),
    pytest.param(opt(*p("--start", "-100 TWh"), says=("--start",)), id="proj-start-neg"),
    pytest.param(opt(*p("--start", "200 kg"), says=("--start",)), id="proj-start-mass"),
    pytest.param(opt(*p("--start", ""), says=("--start",)), id="proj-start-empty"),
    pytest.param(opt(*p("--growth", "nan"), says=("--growth",)), id="proj-growth-nan"),
    pytest.param(opt(*p("--growth", "1e300"), says=("--growth",)), id="proj-growth-huge"),
    pytest.param(opt(*p("--growth", "-200%"), says=("--growth",)), id="proj-growth-neg"),
    pytest.param(opt(*p("--to", "2020"), says=("--to",)), id="proj-to-before-from"),
    pytest.param(opt(*p("--to", "abc"), says=("--to",)), id="proj-to-text"),
    pytest.param(opt(*p("--to", "99999"), says=("--to",)), id="proj-to-huge"),
    pytest.param(opt(*p("--to", HUGE_INT), says=("--to",)), id="proj-to-2-64"),
    pytest.param(opt(*p("--from", "-5"), says=("--from",)), id="proj-from-neg"),
    pytest.param(opt(*p("--efficiency", "nan"), says=("--efficiency",)), id="proj-efficiency-nan"),
    pytest.param(opt(*p("--efficiency", "200%"), says=("--efficiency",)), id="proj-efficiency-200"),
    pytest.param(
        opt(*p("--decarbonisation", "-5%"), says=("--decarbonisation",)), id="proj-decarb-neg"
    ),
    pytest.param(
        opt(*p("--decarbonisation", "300%"), says=("--decarbonisation",)), id="proj-decarb-300"
    ),
    pytest.param(
        opt(*p("--decarbonisation", "inf"), says=("--decarbonisation",)), id="proj-decarb-inf"
    ),
    pytest.param(
        opt(*p("--region", "ZZ"), says=("--region", "ZZ")),
        id="proj-region",
    ),
    pytest.param(opt("project", says=("--start",)), id="proj-nothing"),
    pytest.param(
        opt(
            "project",
            "--requests-per-day",
            "nan",
            "--energy-per-request",
            "1 Wh",
            *PROJECT[3:],
            says=("--requests-per-day",),
        ),
        id="proj-rpd-nan",
    ),
    pytest.param(
        opt(
            "project",
            "--requests-per-day",
            "-5",
            "--energy-per-request",
            "1 Wh",
            *PROJECT[3:],
            says=("--requests-per-day",),
        ),
        id="proj-rpd-neg",
    ),
    pytest.param(
        opt("project", "--requests-per-day", "5", *PROJECT[3:], says=("--energy-per-request",)),
        id="proj-rpd-alone",
    ),
    pytest.param(
        opt(
            "project",
            "--requests-per-day",
            "5",
            "--energy-per-request",
            "-1 Wh",
            *PROJECT[3:],
            says=("--energy-per-request",),
        ),
        id="proj-epr-neg",
    ),
    # capacity
    pytest.param(opt("capacity", "-c", "inf", says=("--count",)), id="cap-count-inf"),
    pytest.param(opt("capacity", "-c", "-inf", says=("--count",)), id="cap-count-minus-inf"),
    pytest.param(opt("capacity", "-c", "1e308", says=("--count",)), id="cap-count-huge"),
    pytest.param(opt("capacity", "-c", "0", says=("--count",)), id="cap-count-0"),
    pytest.param(opt("capacity", "-c", "-100", says=("--count",)), id="cap-count-neg"),
    pytest.param(opt("capacity", "-c", "nan", says=("--count",)), id="cap-count-nan"),
    pytest.param(opt("capacity", "-c", "1,5", says=("--count",)), id="cap-count-comma"),
    pytest.param(opt("capacity", "-c", "", says=("--count",)), id="cap-count-empty"),
    pytest.param(opt("capacity", "-c", "10", "--pue", "0.5", says=("--pue",)), id="cap-pue-low"),
    pytest.param(opt("capacity", "-c", "10", "--pue", "inf", says=("--pue",)), id="cap-pue-inf"),
    pytest.param(opt("capacity", "-c", "10", "--pue", "nan", says=("--pue",)), id="cap-pue-nan"),
    pytest.param(opt("capacity", "--supply", "150 kg", says=("--supply",)), id="cap-supply-mass"),
    pytest.param(opt("capacity", "--supply", "inf MW", says=("--supply",)), id="cap-supply-inf"),
    pytest.param(
        opt("capacity", "--supply", "1e999 MW", says=("--supply",)), id="cap-supply-1e999"
    ),
    pytest.param(opt("capacity", "--supply", "-150 MW", says=("--supply",)), id="cap-supply-neg"),
    pytest.param(opt("capacity", "--supply", "1,5 MW", says=("--supply",)), id="cap-supply-comma"),
    pytest.param(
        opt("capacity", "-a", MARKUP, "-c", "10", says=("--accelerator",)),
        id="cap-accelerator-markup",
    ),
    pytest.param(
        opt("capacity", "-a", ESCAPES, "-c", "10", says=("--accelerator",)),
        id="cap-accelerator-escapes",
    ),
    pytest.param(
        opt("capacity", "-c", "10", "--load-factor", "2", says=("--load-factor",)), id="cap-load-2"
    ),
    pytest.param(
        opt("capacity", "-c", "10", "--load-factor", "nan", says=("--load-factor",)),
        id="cap-load-nan",
    ),
    pytest.param(
        opt("capacity", "-c", "10", "--load-factor", "0", says=("--load-factor",)), id="cap-load-0"
    ),
    pytest.param(
        opt("capacity", "-c", "10", "--system", "zz", says=("--system",)), id="cap-system"
    ),
    pytest.param(
        opt("capacity", "-c", "10", "--region", "zz", says=("--region", "zz")),
        id="cap-region",
    ),
    pytest.param(opt("capacity", says=("accelerators", "supply")), id="cap-nothing"),
    # report
    pytest.param(
        opt("report", A_FILE, "-o", "{d}/r.docx", says=("--output", "r.docx")), id="report-docx"
    ),
    pytest.param(opt("report", A_FILE, "-o", "{d}/r", says=("--output",)), id="report-no-suffix"),
    pytest.param(
        opt("report", A_FILE, "--format", "pdf", says=("--format",)), id="report-format-pdf"
    ),
    pytest.param(
        opt("report", A_FILE, "-o", "{d}/r.md", "--format", "html", says=("--output", "--format")),
        id="report-format-mismatch",
    ),
    pytest.param(
        opt("report", A_FILE, "-o", "{d}/r.html", "--samples", "-1", says=("--samples",)),
        id="report-samples-neg",
    ),
    pytest.param(
        opt("report", A_FILE, "-o", "{d}/r.html", "--samples", "99999999999", says=("samples",)),
        id="report-samples-huge",
    ),
    pytest.param(
        opt("report", A_FILE, "-o", "{d}/r.html", "--seed", HUGE_INT, says=("seed",)),
        id="report-seed-huge",
    ),
    pytest.param(
        opt("report", "{d}/missing.yaml", "-o", "{d}/r.html", says=("{d}/missing.yaml",)),
        id="report-missing",
    ),
    # runs, fleet, top level
    pytest.param(
        opt("runs", "show", "{d}/missing.jsonl", says=("{d}/missing.jsonl",)), id="runs-missing"
    ),
    pytest.param(opt("runs", "show", "{d}", says=("{d}",)), id="runs-folder"),
    pytest.param(opt("runs", "show", A_FILE, says=("{d}/a.yaml",)), id="runs-yaml"),
    pytest.param(
        opt("fleet", "synth", "-o", "{d}/s", "--nodes", "0", says=("--nodes",)), id="synth-nodes-0"
    ),
    pytest.param(
        opt("fleet", "synth", "-o", "{d}/s", "--hours", "-1", says=("--hours",)),
        id="synth-hours-neg",
    ),
    pytest.param(
        opt("fleet", "synth", "-o", "{d}/s", "--nodes", "99999999999", says=("nodes",)),
        id="synth-nodes-huge",
    ),
    pytest.param(
        opt(
            "fleet",
            "synth",
            "-o",
            "{d}/s",
            "--nodes",
            "1",
            "--hours",
            "1",
            "--seed",
            "-1",
            says=("seed",),
        ),
        id="synth-seed-neg",
    ),
    pytest.param(
        opt(
            "fleet",
            "account",
            "--power",
            "{d}/nope",
            "--jobs",
            "{d}/j.csv",
            "-o",
            "{d}/o",
            says=("{d}/nope",),
        ),
        id="fleet-power-missing",
    ),
    pytest.param(
        opt(
            "fleet",
            "account",
            "--power",
            "{d}",
            "--jobs",
            "{d}/j.csv",
            "-o",
            "{d}/o",
            says=("{d}",),
        ),
        id="fleet-power-no-files",
    ),
    pytest.param(
        Case(
            (
                "fleet",
                "account",
                "--power",
                "{d}/power.csv",
                "--jobs",
                "{d}/nope.csv",
                "-o",
                "{d}/o",
            ),
            {"power.csv": POWER},
            ("{d}/nope.csv",),
        ),
        id="fleet-jobs-missing",
    ),
    pytest.param(
        opt("fleet", "account", "--jobs", "x", "-o", "{d}/o", says=("--power",)),
        id="fleet-no-power",
    ),
    pytest.param(opt("nope", says=("nope",)), id="unknown-command"),
    pytest.param(opt(ESCAPES, says=("No such command",)), id="unknown-command-escapes"),
    pytest.param(opt("--debug", "capacity", "-c", "nan", says=("--count",)), id="debug-bad-input"),
]


OPTION_CASES += [
    pytest.param(
        opt("assess", "{d}/" + ESCAPES + ".yaml", says=("does not exist",)),
        id="assess-missing-file-named-with-escapes",
    ),
    pytest.param(
        opt("runs", "show", "{d}/" + ESCAPES + ".jsonl", says=("does not exist",)),
        id="runs-missing-file-named-with-escapes",
    ),
    pytest.param(
        opt(
            "fleet",
            "account",
            "--power",
            "{d}/" + ESCAPES,
            "--jobs",
            "x",
            "-o",
            "{d}/o",
            says=("power",),
        ),
        id="fleet-missing-power-named-with-escapes",
    ),
]


@pytest.mark.parametrize("case", OPTION_CASES)
def test_bad_options(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(case, tmp_path, capsys)


# -- output paths ----------------------------------------------------------------------

UNDER_FILE = "{d}/out.json/x"  # out.json is a regular file (the sentinel)
REPORT_FAST = ("--samples", "0", "--no-scenarios", "--no-sensitivity", "--no-validation")
FLEET_IN = {"power.csv": POWER, "jobs.csv": JOBS}
FLEET_ARGS = ("fleet", "account", "--power", "{d}/power.csv", "--jobs", "{d}/jobs.csv")
FOLDER = {"dir/keep.txt": SENTINEL}

OUTPUT_CASES = [
    pytest.param(
        opt("assess", A_FILE, "--json", "-o", UNDER_FILE + ".json", says=(UNDER_FILE,)),
        id="assess-under-file",
    ),
    pytest.param(
        Case(
            ("assess", A_FILE, "--json", "-o", "{d}/dir"),
            {"a.yaml": ASSESS, **FOLDER},
            ("{d}/dir", "folder"),
        ),
        id="assess-folder",
    ),
    pytest.param(
        opt("assess", A_FILE, "--report", UNDER_FILE + ".html", says=(UNDER_FILE,)),
        id="assess-report-under-file",
    ),
    pytest.param(
        opt("assess", A_FILE, "--csv", "-o", "{d}/" + "n" * 300 + ".csv", says=("n" * 300,)),
        id="assess-name-too-long",
    ),
    pytest.param(
        opt("schema", "-o", UNDER_FILE + ".json", says=(UNDER_FILE,)), id="schema-under-file"
    ),
    pytest.param(
        Case(("schema", "-o", "{d}/dir"), FOLDER, ("{d}/dir", "folder")), id="schema-folder"
    ),
    pytest.param(
        opt("report", A_FILE, "-o", UNDER_FILE + ".html", *REPORT_FAST, says=(UNDER_FILE,)),
        id="report-html-under-file",
    ),
    pytest.param(
        opt("report", A_FILE, "-o", UNDER_FILE + ".md", *REPORT_FAST, says=(UNDER_FILE,)),
        id="report-md-under-file",
    ),
    pytest.param(
        opt("report", A_FILE, "-o", UNDER_FILE + ".tex", *REPORT_FAST, says=(UNDER_FILE,)),
        id="report-tex-under-file",
    ),
    pytest.param(
        Case(
            ("report", A_FILE, "-o", "{d}/dir", "--format", "html", *REPORT_FAST),
            {"a.yaml": ASSESS, **FOLDER},
            ("{d}/dir",),
        ),
        id="report-folder",
    ),
    pytest.param(
        Case(
            ("report", A_FILE, "-o", "{d}/r.md", *REPORT_FAST),
            {"a.yaml": ASSESS, "r.md": SENTINEL, "r-charts": SENTINEL},
            ("r-charts",),
        ),
        id="report-md-charts-is-a-file",
    ),
    pytest.param(
        Case((*FLEET_ARGS, "-o", "{d}/out.json"), FLEET_IN, ("{d}/out.json",)), id="fleet-o-file"
    ),
    pytest.param(
        Case((*FLEET_ARGS, "-o", UNDER_FILE), FLEET_IN, (UNDER_FILE,)), id="fleet-o-under-file"
    ),
    pytest.param(
        Case((*FLEET_ARGS, "-o", "{d}/dir"), {**FLEET_IN, **FOLDER}, ("{d}/dir", "keep.txt")),
        id="fleet-o-other-files",
    ),
    pytest.param(
        opt(
            "fleet",
            "synth",
            "-o",
            "{d}/out.json",
            "--nodes",
            "1",
            "--hours",
            "1",
            says=("{d}/out.json",),
        ),
        id="synth-o-file",
    ),
    pytest.param(
        opt("fleet", "synth", "-o", UNDER_FILE, "--nodes", "1", "--hours", "1", says=(UNDER_FILE,)),
        id="synth-o-under-file",
    ),
    pytest.param(
        Case(
            ("fleet", "synth", "-o", "{d}/dir", "--nodes", "1", "--hours", "1"),
            FOLDER,
            ("{d}/dir",),
        ),
        id="synth-o-not-empty",
    ),
]


@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_bad_output_paths(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(case, tmp_path, capsys)


ESC_NAME = "x\x1b[31m\x1b]0;title\x07\x9b2J"
"""A file name carrying terminal escape sequences (colour, window title, CSI clear)."""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("report", A_FILE, "-o", "{o}.md", *REPORT_FAST), id="report"),
        pytest.param(("track", "-o", "{o}.jsonl", "--", "true"), id="track"),
        pytest.param(("export", A_FILE, "--to", "openlca", "-o", "{o}.zip"), id="export"),
    ],
)
def test_a_path_with_escape_sequences_prints_harmless(
    args: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file is written under the name given; the messages naming it carry no escape
    sequence or control character to the terminal."""
    if args[0] == "export":
        pytest.importorskip("olca_schema", reason="olca-schema (lcai[lca]) not installed")
    (tmp_path / "a.yaml").write_text(ASSESS, encoding="utf-8")
    o = str(tmp_path / ESC_NAME)
    code = run([a.replace("{o}", o).replace("{d}", str(tmp_path)) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("x")], "nothing written"
    for text in (out, err):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), repr(text[-300:])


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "64k") -> Iterator[Path]:
    """A small tmpfs mounted at ``path`` (inside tmp_path) for the duration; skip where the
    platform does not allow it (not root, no mount(8), a container without CAP_SYS_ADMIN)."""
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to mount a tmpfs")
    try:
        _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        why = getattr(exc, "stderr", "") or str(exc)
        pytest.skip(f"mount -t tmpfs is not permitted here: {why.strip()}")
    try:
        yield path
    finally:
        done = subprocess.run(["umount", str(path)], capture_output=True, check=False)
        if done.returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill(folder: Path) -> None:
    """Fill the file system holding ``folder`` to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            block = b"\0" * size
            while True:
                try:
                    if os.write(fd, block) < size:
                        break
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    finally:
        os.close(fd)


def _old_outputs(folder: Path, old_fleet: Path) -> None:
    (folder / "x.json").write_text(SENTINEL)
    (folder / "r.md").write_text(SENTINEL)
    shutil.copytree(old_fleet, folder / "out")


# (command, what it writes under the folder ``{o}``)
WRITERS = {
    "assess-json": ("assess", A_FILE, "--json", "-o", "{o}/x.json"),
    "assess-new-file": ("assess", A_FILE, "--csv", "-o", "{o}/new.csv"),
    "schema": ("schema", "-o", "{o}/x.json"),
    "report-md": ("report", A_FILE, "-o", "{o}/r.md", *REPORT_FAST),
    "report-html": ("report", A_FILE, "-o", "{o}/r.html", *REPORT_FAST),
    "fleet-account": (*FLEET_ARGS, "-o", "{o}/out"),
    "fleet-synth": ("fleet", "synth", "-o", "{o}/synth", "--nodes", "1", "--hours", "1"),
}


def _writer_args(name: str, d: Path, o: Path) -> list[str]:
    return [a.replace("{d}", str(d)).replace("{o}", str(o)) for a in WRITERS[name]]


@pytest.mark.parametrize("name", list(WRITERS))
def test_output_in_a_read_only_folder(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], old_fleet: Path
) -> None:
    """``-o`` in a read-only folder (a tmpfs mounted read-only: root ignores file modes):
    exit 2, one line naming the path; the old outputs there as they were."""
    _write(tmp_path, {"a.yaml": ASSESS, **FLEET_IN})
    with tmpfs(tmp_path / "ro") as ro:
        _old_outputs(ro, old_fleet)
        before = snapshot(ro)
        _mount("-o", "remount,ro", str(ro))
        res = cli(_writer_args(name, tmp_path, ro), capsys)
        assert_refused(res, (str(ro),))
        assert snapshot(ro) == before


FULL_DISK = [pytest.param(n, id=n) for n in WRITERS]


@pytest.mark.parametrize("name", FULL_DISK)
def test_output_on_a_full_disk(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], old_fleet: Path
) -> None:
    """A full disk (a 64 KiB tmpfs, filled): exit 2, one line naming the path; the old
    outputs as they were, and no temporary file left behind."""
    _write(tmp_path, {"a.yaml": ASSESS, **FLEET_IN})
    with tmpfs(tmp_path / "full") as full:
        _old_outputs(full, old_fleet)
        fill(full)
        before = snapshot(full)
        res = cli(_writer_args(name, tmp_path, full), capsys)
        assert_refused(res, (str(full),))
        assert snapshot(full) == before


# -- lcai track: a real process --------------------------------------------------------

TRUE = (sys.executable, "-c", "pass")
TRACK_CASES = [
    pytest.param(("--interval", "nan"), ("--interval",), id="interval-nan"),
    pytest.param(("--interval", "inf"), ("--interval",), id="interval-inf"),
    pytest.param(("--interval", "0"), ("--interval",), id="interval-0"),
    pytest.param(("--interval", "-1"), ("--interval",), id="interval-neg"),
    pytest.param(("--interval", "1,5"), ("--interval",), id="interval-comma"),
    pytest.param(
        ("--interval", "1e308"),
        ("--interval",),
        id="interval-huge",
    ),
    pytest.param(("--flush", "nan"), ("--flush",), id="flush-nan"),
    pytest.param(("--flush", "0"), ("--flush",), id="flush-0"),
    pytest.param(("--flush", "1e999"), ("--flush",), id="flush-1e999"),
    pytest.param(("--region", "ZZ"), ("--region", "ZZ"), id="region"),
    pytest.param(("--region", MARKUP), ("--region",), id="region-markup"),
    pytest.param(("-o", "{d}/out.json"), ("{d}/out.json", "exists"), id="o-existing-file"),
    pytest.param(("-o", "{d}"), ("{d}",), id="o-folder"),
    pytest.param(("-o", UNDER_FILE + ".jsonl"), (UNDER_FILE,), id="o-under-file"),
]
PID_CASES = [
    pytest.param(("--pid", "-1"), ("--pid",), id="pid-neg"),
    pytest.param(("--pid", "0"), ("--pid",), id="pid-0"),
    pytest.param(("--pid", "abc"), ("--pid",), id="pid-text"),
    pytest.param(("--pid", "99999999"), ("--pid",), id="pid-none"),
    pytest.param(
        ("--pid", str(2**31)),
        ("--pid",),
        id="pid-2-31",
    ),
    pytest.param(
        ("--pid", HUGE_INT),
        ("--pid",),
        id="pid-2-64",
    ),
    pytest.param(("--pid", "5", "--", *TRUE), ("--pid",), id="pid-and-command"),
    pytest.param((), ("--pid",), id="no-command"),
]


def track(d: Path, args: tuple[str, ...], env: Mapping[str, str] | None = None) -> Outcome:
    """``lcai track ARGS`` in its own process, in folder ``d``."""
    argv = [a.replace("{d}", str(d)) for a in args]
    done = subprocess.run(
        [LCAI, "track", *argv],
        cwd=d,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LCAI_REGION": "", **(env or {})},
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def _track_refused(d: Path, args: tuple[str, ...], says: tuple[str, ...], **kw: Any) -> None:
    (d / "out.json").write_text(SENTINEL)
    before = snapshot(d)
    res = track(d, args, **kw)
    assert_refused(res, tuple(s.replace("{d}", str(d)) for s in says))
    assert snapshot(d) == before, "a refused track changed or added files"


@pytest.mark.parametrize(("args", "says"), TRACK_CASES)
def test_track_bad_options(args: tuple[str, ...], says: tuple[str, ...], tmp_path: Path) -> None:
    """Refused before the command starts: the command (which would write a file) never runs."""
    marker = tmp_path / "ran"
    command = (sys.executable, "-c", f"open({str(marker)!r}, 'w').close()")
    if "-o" not in args:
        args = (*args, "-o", "{d}/run.jsonl")
    _track_refused(tmp_path, (*args, "--", *command), says)
    assert not marker.exists()


@pytest.mark.parametrize(("args", "says"), PID_CASES)
def test_track_bad_pids(args: tuple[str, ...], says: tuple[str, ...], tmp_path: Path) -> None:
    _track_refused(tmp_path, (*args, "-o", "{d}/run.jsonl"), says)


def test_track_bad_region_from_the_environment(tmp_path: Path) -> None:
    _track_refused(tmp_path, ("-o", "{d}/r.jsonl", "--", *TRUE), ("LCAI_REGION",),
                   env={"LCAI_REGION": ESCAPES})  # fmt: skip


# -- scenario files and validation suites ----------------------------------------------


def scen_case(text: str | bytes, *says: str, extra: tuple[str, ...] = ("-s", "bad")) -> Case:
    files = {"a.yaml": ASSESS, "s.yaml": text}
    return Case(("scenarios", A_FILE, "-f", "{d}/s.yaml", "--json", *extra), files, says)


def change(text: str) -> str:
    return SCENARIO.format(change=text)


SCENARIO_CASES = [
    pytest.param(scen_case(b"", "{d}/s.yaml", "empty"), id="0-byte"),
    pytest.param(scen_case("- 1\n", "{d}/s.yaml"), id="top-list"),
    pytest.param(scen_case("scenarios: [1, 2]\n", "{d}/s.yaml"), id="scenarios-list"),
    pytest.param(scen_case("scenarios:\n  bad: null\n", "{d}/s.yaml", "changes"), id="null"),
    pytest.param(
        scen_case("scenarios:\n  bad: {description: x, changes: {set: 1}}\n", "{d}/s.yaml"),
        id="changes-mapping",
    ),
    pytest.param(
        scen_case(change("{explode: 1}"), "{d}/s.yaml", "bad.changes[0]"), id="unknown-op"
    ),
    pytest.param(
        scen_case(
            change("{scale: {path: training.accelerators.count, factor: .nan}}"),
            "{d}/s.yaml",
            "factor",
        ),
        id="factor-nan",
    ),
    pytest.param(
        scen_case(
            change("{scale: {path: training.accelerators.count, factor: .inf}}"),
            "{d}/s.yaml",
            "factor",
        ),
        id="factor-inf",
    ),
    pytest.param(
        scen_case(
            change("{scale: {path: training.accelerators.count, factor: -1}}"),
            "{d}/s.yaml",
            "factor",
        ),
        id="factor-neg",
    ),
    pytest.param(
        scen_case(
            change("{scale: {path: training.accelerators.count, factor: '1,5'}}"),
            "{d}/s.yaml",
            "factor",
        ),
        id="factor-comma",
    ),
    pytest.param(
        scen_case(
            change("{set: {path: training.facility.pue, value: 0.5}}"),
            "{d}/a.yaml",
            "scenario bad",
            "training.facility.pue",
        ),
        id="set-pue-below-1",
    ),
    pytest.param(
        scen_case(
            change("{set: {path: training.accelerators.count, value: .nan}}"), "scenario bad", COUNT
        ),
        id="set-count-nan",
    ),
    pytest.param(
        scen_case(change("{set: {path: training, value: [1]}}"), "scenario bad", "training"),
        id="set-list",
    ),
    pytest.param(
        scen_case(change("{set: {path: 'training..x', value: 1}}"), "{d}/s.yaml", "path"),
        id="set-bad-path",
    ),
    pytest.param(scen_case(change("{remove: 5}"), "{d}/s.yaml", "remove"), id="remove-int"),
    pytest.param(
        scen_case(change("{remove: training}"), "scenario bad", "phase"), id="remove-phase"
    ),
    pytest.param(
        scen_case(
            change("{replace: {path: training.accelerators.type, from: H100, to: '<x>'}}"),
            "scenario bad",
            "training.accelerators.type",
        ),
        id="replace-unknown",
    ),
    pytest.param(scen_case(change("{cooling: lava}"), "lava"), id="cooling-unknown"),
    pytest.param(scen_case(change("{precision: fp1}"), "fp1"), id="precision-unknown"),
    pytest.param(scen_case(change("{accelerator: [H100]}"), "{d}/s.yaml"), id="accelerator-list"),
    pytest.param(
        scen_case(SCENARIO.format(change="{cooling: liquid}") + "    sources: 5\n", "sources"),
        id="sources-int",
    ),
    pytest.param(
        scen_case(SCENARIO.format(change="{cooling: liquid}") + "    bogus: 1\n", "bogus"),
        id="unknown-key",
    ),
    pytest.param(
        scen_case(
            SCENARIO.format(change="{cooling: liquid}") + "  bad:\n    description: y\n"
            "    changes: []\n",
            "duplicate key 'bad'",
        ),
        id="duplicate-scenario",
    ),
    pytest.param(
        scen_case(
            "a: &a {description: x, changes: [{remove: training}]}\nscenarios:\n  bad: *a\n",
            "scenario bad",
        ),
        id="alias",
    ),
    pytest.param(
        scen_case("scenarios: !!python/object/apply:os.system ['true']\n", "{d}/s.yaml"),
        id="python-tag",
    ),
    pytest.param(scen_case(b"scenarios:\n  bad:\n    description: \xff\n", "UTF-8"), id="not-utf8"),
    pytest.param(scen_case(BILLION_LAUGHS, "{d}/s.yaml"), id="alias-bomb"),
    pytest.param(
        scen_case(
            "scenarios:\n  bad:\n    description: x\n    argument: region\n    changes:\n"
            "      - {set: {path: training.facility.pue, value: '{arg}'}}\n",
            "training.facility.pue",
            extra=("-s", "bad:abc"),
        ),
        id="argument-not-a-number",
    ),
]


SCENARIO_CASES.append(
    pytest.param(
        scen_case(
            "scenarios:\n  'a:b':\n    description: x\n    changes: [{cooling: liquid}]\n",
            "{d}/s.yaml",
            extra=(),
        ),
        id="name-with-colon",
    )
)


@pytest.mark.parametrize("case", SCENARIO_CASES)
def test_bad_scenario_files(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(case, tmp_path, capsys)


def suite_case(text: str | bytes, *says: str, case_file: str = ASSESS) -> Case:
    files = {"suite/a.yaml": case_file, "suite/suite.yaml": text}
    return Case(("validate", "--suite", "{d}/suite/suite.yaml", "--json"), files, says)


S_FILE = "{d}/suite/suite.yaml"
SUITE_CASES = [
    pytest.param(suite_case(b"", S_FILE, "empty"), id="0-byte"),
    pytest.param(suite_case("version: 1\ncases: 5\n", S_FILE, "cases"), id="cases-int"),
    pytest.param(suite_case("version: 1\ncases: {a: 1}\n", S_FILE, "cases"), id="cases-mapping"),
    pytest.param(
        suite_case(m("version: 1", "version: 99", suite()), S_FILE, "version"), id="version"
    ),
    pytest.param(suite_case(suite() + "bogus: 1\n", S_FILE, "bogus"), id="unknown-key"),
    pytest.param(suite_case(m("0.01", ".nan", suite()), S_FILE, "tolerance"), id="tolerance-nan"),
    pytest.param(suite_case(m("0.01", "-1", suite()), S_FILE, "tolerance"), id="tolerance-neg"),
    pytest.param(suite_case(m("0.01", "abc", suite()), S_FILE, "tolerance"), id="tolerance-abc"),
    pytest.param(suite_case(m("reproduction", "magic", suite()), S_FILE, "mode"), id="mode"),
    pytest.param(
        suite_case(suite(select="\"__import__('os')\""), S_FILE, "select"), id="select-code"
    ),
    pytest.param(suite_case(suite(select="'item[nope].x'"), S_FILE, "select"), id="select-field"),
    pytest.param(suite_case(suite(published="213.9 kg"), S_FILE, "published"), id="published-mass"),
    pytest.param(suite_case(suite(published="nan kWh"), S_FILE, "published"), id="published-nan"),
    pytest.param(
        suite_case(suite(published="1e999 kWh"), S_FILE, "published"), id="published-1e999"
    ),
    pytest.param(
        suite_case(suite(published="'1,5 kWh'"), S_FILE, "published"), id="published-comma"
    ),
    pytest.param(suite_case(suite(unit="parsec"), S_FILE, "unit"), id="unit-unknown"),
    pytest.param(suite_case(suite(unit="kg"), S_FILE, "published"), id="unit-dimension"),
    pytest.param(
        suite_case(
            m(
                "    mode: reproduction\n",
                "    mode: reproduction\n    mode: prediction\n",
                suite(),
            ),
            S_FILE,
            "duplicate key 'mode'",
        ),
        id="duplicate-key",
    ),
    pytest.param(
        suite_case("version: !!python/object/apply:os.system ['true']\n", S_FILE), id="python-tag"
    ),
    pytest.param(
        suite_case(b"version: 1\ncases: [{case: \xff}]\n", S_FILE, "UTF-8"), id="not-utf8"
    ),
    pytest.param(suite_case(BILLION_LAUGHS, S_FILE), id="alias-bomb"),
    pytest.param(
        suite_case(m("a.yaml", "/etc/passwd", suite()), S_FILE, "file"),
        id="file-absolute",
    ),
    pytest.param(
        suite_case(m("a.yaml", "../../../../../../../../etc/hostname", suite()), S_FILE, "file"),
        id="file-dotdot",
    ),
]


@pytest.mark.parametrize("case", SUITE_CASES)
def test_bad_validation_suites(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused(case, tmp_path, capsys)


# -- valid input, hostile text: every consumer's escaping -------------------------------


def named(text: str) -> str:
    """An assessment whose name, description, source and an item's name are ``text``."""
    return (
        f"name: {q(text)}\ndescription: {q(text)}\nsources: [{q(text)}]\n"
        f"grid: {{region: FR}}\ntraining:\n"
        f"  accelerators: {{type: H100, count: 8, duration: 1 day}}\n"
        f"  idle: {{name: {q(text)}, power: 1 kW, duration: 1 h}}\n"
    )


def hostile_texts() -> list[Any]:
    texts = [*HOSTILE_TEXT.items(), ("nul-bell", "a\x00b\x07c\x7fd\x9be")]
    return [pytest.param(t, id=k) for k, t in texts]


@pytest.mark.parametrize("text", hostile_texts())
def test_assess_prints_hostile_names_harmlessly(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Terminal (assess, compare): no escape sequence, markup printed as written. JSON:
    strict, the name as written."""
    f = tmp_path / "a.yaml"
    f.write_text(named(text))
    res = cli(["assess", str(f), "--verbose"], capsys)
    assert_done(res)
    if text == MARKUP:
        assert "[bold]x[/]" in res.out
    res = cli(["compare", str(f), str(f)], capsys)
    assert_done(res)
    res = cli(["assess", str(f), "--json"], capsys)
    assert res.code == 0, res.err
    assert strict_json(res.out)["name"] == text


@pytest.mark.parametrize(
    "text",
    [pytest.param(t, id=k) for k, t in [*HOSTILE_TEXT.items(), ("nul-bell", "a\x00b\x07c")]],
)
def test_assess_csv_cells_are_harmless(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No formula (a leading apostrophe), no control character."""
    import csv
    import io

    f = tmp_path / "a.yaml"
    f.write_text(named(text))
    res = cli(["assess", str(f), "--csv"], capsys)
    assert res.code == 0, res.err
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert rows and all(
        not (r[k] or "").startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for k in r
    ), rows
    if text == FORMULA:
        assert "'" + FORMULA in [r["name"] for r in rows]
    assert not has_control(res.out), repr([c for c in res.out if has_control(c)][:5])


def _report_checks(fmt: str, text: str) -> list[str]:
    """Raw fragments of the input that must not reach a report in ``fmt`` (in Markdown:
    not escaped with a backslash)."""
    if fmt == "md":
        return ["<script", "<img", "](javascript:", "|b"] if text == HTML_MD else []
    if fmt == "latex":
        return ["\\input{", "^^5c", "\\write18{", "$x$", "100% #1"] if text == LATEX else []
    return ["<script>alert", "<img src", 'href="javascript'] if text == HTML_MD else []


@pytest.mark.parametrize("fmt", ["md", "latex", "html"])
@pytest.mark.parametrize("text", hostile_texts())
def test_reports_escape_hostile_names(
    fmt: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "a.yaml"
    f.write_text(named(text))
    out = tmp_path / {"md": "r.md", "latex": "r.tex", "html": "r.html"}[fmt]
    res = cli(["report", str(f), "-o", str(out), *REPORT_FAST], capsys)
    assert_done(res)
    written = [out, *sorted((tmp_path / "r-charts").rglob("*.svg"))]
    for path in written:
        body = path.read_text(encoding="utf-8")
        for fragment in _report_checks(fmt, text):
            raw = re.search(r"(?<!\\)" + re.escape(fragment), body) if fmt == "md" else None
            assert fragment not in body if fmt != "md" else raw is None, (path.name, fragment)
        assert not has_control(body), (path.name, [c for c in body if has_control(c)][:5])


def test_hostile_scenario_and_case_names_print_harmlessly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """User scenarios and validation cases named with markup and escape sequences."""
    (tmp_path / "a.yaml").write_text(ASSESS)
    s = tmp_path / "s.yaml"
    s.write_text(
        f"scenarios:\n  {q(NO_COLON + ESCAPES)}:\n    description: {q(HTML_MD + ESCAPES)}\n"
        f"    sources: [{q(ESCAPES)}]\n    changes: [{{cooling: liquid}}]\n"
    )
    for extra in (["--list"], [], ["--json"]):
        res = cli(["scenarios", str(tmp_path / "a.yaml"), "-f", str(s), *extra], capsys)
        assert_done(res)
    strict_json(res.out)
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "a.yaml").write_text(ASSESS)
    text = m("case: c1", f"case: {q(MARKUP + ESCAPES)}", suite())
    text = m("source: s", f"source: {q(FORMULA + ESCAPES)}", text)
    (tmp_path / "suite" / "suite.yaml").write_text(text)
    for extra in ([], ["--json"]):
        res = cli(["validate", "--suite", str(tmp_path / "suite" / "suite.yaml"), *extra], capsys)
        assert_done(res)
    assert strict_json(res.out)[0]["case"] == MARKUP + ESCAPES


def test_hostile_run_files_show_harmlessly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A header and devices named with escapes and markup, factors of the wrong type, a
    last line cut: printed harmlessly, JSON strict. (Energies no device can have, such as
    -1e308 then 1e308 J, are refused: test_track.test_a_sample_no_device_can_have_is_refused.)"""
    header = {
        **RUN_HEADER,
        "command": [ESCAPES, MARKUP, HTML_MD],
        "started": ESCAPES,
        "factors": {"region": "FR", "co2e_g_per_kwh": "x"},
        "backends": [ESCAPES],
    }
    dev = "gpu:" + ESCAPES + MARKUP
    text = run_file(
        sample(T0_S, 0.0, device=dev), sample(T0_S + 1, 3.6e6, device=dev),
        sample(T0_S + 2, 5.0), json.dumps({"warning": ESCAPES}), json.dumps({"assumption": LONG}),
        header=header, end=False,
    ) + '{"sample": {"t": 3.0, "dev'  # fmt: skip
    f = tmp_path / "r.jsonl"
    f.write_text(text)
    res = cli(["runs", "show", str(f)], capsys)
    assert_done(res)
    assert ESC not in res.err
    res = cli(["runs", "show", str(f), "--json"], capsys)
    assert res.code == 0, res.err
    (s,) = strict_json(res.out)
    assert any("cut" in w for w in s["warnings"]), s["warnings"]


def test_hostile_fleet_names_print_harmlessly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Jobs, projects and nodes named with markup, escapes, formulas, NUL: terminal clean,
    CSV cells neutralised, quality.json strict."""
    import csv

    node = "[bold]n[/]" + ESCAPES
    jobs = (
        "job_id,node,gpus,project,user,model,start,end\n"
        + ",".join([csvq(FORMULA), csvq(node), "0", csvq("@SUM(A1)" + ESCAPES), csvq("-" + MARKUP),
                    csvq("+" + HTML_MD), "2026-01-05T00:00:00+00:00", "2026-01-05T00:00:05+00:00"])
        + "\n"
    )  # fmt: skip
    _write(tmp_path, {"power.csv": POWER.replace("n0", "node0").replace("node0", csvq(node)),
                      "jobs.csv": jobs.replace("\x00", "")})  # fmt: skip
    out = tmp_path / "out"
    res = cli([*[a.replace("{d}", str(tmp_path)) for a in FLEET_ARGS], "-o", str(out)], capsys)
    assert_done(res)
    for name in ("jobs.csv", "projects.csv", "models.csv"):
        with (out / name).open(newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    strict_json((out / "quality.json").read_text())


VALID_TELEMETRY = [
    pytest.param(POWER.replace(",300\n", ",nan\n"), id="power-nan"),
    pytest.param(POWER.replace(",300\n", ",inf\n"), id="power-inf"),
    pytest.param(POWER.replace(",300\n", ",-inf\n"), id="power-minus-inf"),
    pytest.param(POWER.replace(",300\n", ",-5\n"), id="power-negative"),
    pytest.param(POWER.replace(",300\n", ",1e308\n"), id="power-1e308"),
    pytest.param(POWER.replace(",300\n", ",\n"), id="power-missing"),
    pytest.param(POWER + POWER.split("\n", 1)[1], id="duplicates"),
    pytest.param("t_ms,node,gpu,power_w\n", id="header-only"),
    pytest.param(parquet(**EMPTY_PARQUET), id="empty-parquet"),
    pytest.param(
        f"t_ms,node,gpu,power_w,energy_j\n{T0_MS},n0,0,5,100\n{T0_MS + 1000},n0,0,5,0\n",
        id="counter-reset",
    ),
]


@pytest.mark.parametrize("power", VALID_TELEMETRY)
def test_telemetry_faults_by_rule(
    power: str | Callable[[], bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data faults with a stated rule (docs/fleet.md): exit 0, every number written finite,
    quality.json strict JSON."""
    import csv

    name = "power.csv" if isinstance(power, str) else "power.parquet"
    _write(tmp_path, _fleet_inputs(power=power if isinstance(power, str) else power(),
                                   power_name=name))  # fmt: skip
    res = cli([a.replace("{d}", str(tmp_path)) for a in fleet(name)], capsys)
    assert_done(res)
    out = tmp_path / "fleet-out"
    strict_json((out / "quality.json").read_text())
    for table in ("jobs.csv", "projects.csv", "models.csv"):
        with (out / table).open(newline="") as fh:
            for row in csv.DictReader(fh):
                for k, v in row.items():
                    if k.endswith(("_kwh", "_kg", "_l", "_hours")) and v:
                        assert math.isfinite(float(v)) and float(v) >= 0, (table, k, v)


# -- generated: numbers and strings anywhere --------------------------------------------

GENERATED = settings(
    max_examples=40,
    deadline=None,
    database=None,  # nothing written outside tmp_path
    derandomize=True,  # the same examples every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(
        ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e308", "1e-400", "-0",
         "1,5", "1,500", "1.5.5", "", " ", "0x10", "1_000", "٣", "１", "1e", "e5", "--1",
         "1/0", LONG, MARKUP, ESCAPES, FORMULA, "\x00"]
    ),
    st.text(max_size=20),
)  # fmt: skip
UNITS = st.sampled_from(["", " h", " days", " kWh", " W", " kW", " kg", "%", " parsec", " TWh"])
# (YAML to insert {v} in, the field an error must name)
FIELDS = [
    (m("1 day", "{v}"), DURATION),
    (m("count: 8", "count: {v}"), COUNT),
    (acc("power: {v}"), "training.accelerators.power"),
    (ASSESS + "facility: {pue: {v}}\n", "facility.pue"),
    (ASSESS + "facility: {wue: {v}}\n", "facility.wue"),
    (m("{region: FR}", "{region: FR, renewable_share: {v}}"), "grid.renewable_share"),
    (m("{region: FR}", "{region: FR, co2e_intensity: {v}}"), "grid.co2e_intensity"),
    (ASSESS + "usage: {requests: {v}, energy_per_request: 1 Wh}\n", "usage.requests"),
    (ASSESS + "annotation: {annotators: {v}, hours: 4 h}\n", "annotation.annotators"),
]


@GENERATED
@given(value=NUMBER_TEXT, unit=UNITS, where=st.sampled_from(FIELDS))
def test_generated_values_in_every_kind_of_field(
    value: str, unit: str, where: tuple[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Any text in a number field: exit 0, or exit 2 with one line naming the field."""
    template, name = where
    f = tmp_path / "a.yaml"
    f.write_text(template.replace("{v}", q(value + unit)))
    res = cli(["assess", str(f), "--json"], capsys)
    if res.code != 0:
        assert_refused(res, (str(f),))
        assert name in res.err or "mapping" in res.err, res.err


@GENERATED
@given(
    text=st.text(
        st.characters(codec="utf-8") | st.sampled_from(list("[]/\\=<>|\x1b\x07")),
        min_size=1, max_size=60,
    )
)  # fmt: skip
def test_generated_names_print_harmlessly(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any name: the terminal table has no control character; JSON holds it as written."""
    f = tmp_path / "a.yaml"
    f.write_text(named(text))
    res = cli(["assess", str(f)], capsys)
    if res.code == 2:  # a name that is only blanks may be refused
        assert_refused(res, (str(f), "name"))
        return
    assert_done(res)
    res = cli(["assess", str(f), "--json"], capsys)
    assert strict_json(res.out)["name"] == text


OPTIONS = [
    ("capacity", "-c", "{v}"),
    ("capacity", "-c", "10", "--pue", "{v}"),
    ("capacity", "-c", "10", "--load-factor", "{v}"),
    ("capacity", "--supply", "{v} MW"),
    (*PROJECT[:3], "--growth", "{v}", *PROJECT[5:]),
    (*PROJECT[:1], "--start", "{v} TWh", *PROJECT[3:]),
    (*PROJECT, "--efficiency", "{v}%"),
    (*PROJECT, "--decarbonisation", "{v}"),
    (*PROJECT[:-1], "{v}"),
]


@GENERATED
@given(value=NUMBER_TEXT, args=st.sampled_from(OPTIONS))
def test_generated_option_values(
    value: str, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Any text as a number option: exit 0 with strict JSON, or exit 2 with one line naming
    the option."""
    flag = args[next(i for i, a in enumerate(args) if "{v}" in a) - 1]
    res = cli([a.replace("{v}", value) for a in args] + ["--json"], capsys)
    if res.code == 0:
        strict_json(res.out)
    else:
        assert_refused(res)
        assert flag in res.err or (flag == "--to" and "--from/--to" in res.err), res.err


# -- kills between the files of a multi-file output -------------------------------------

KILL_DRIVER = '''\
"""Run lcai; SIGKILL itself just before file-system write number N+1 (N < 0: list them)."""
import os, signal, sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
EVENTS = {"os.rename", "os.replace", "os.mkdir", "os.remove", "os.rmdir", "os.link",
          "os.symlink", "os.truncate", "os.chmod", "shutil.rmtree", "shutil.move",
          "ctypes.call_function"}
after = int(sys.argv[1])
seen = 0

def hook(event, args):
    global seen
    if event == "open":
        mode, flags = args[1], args[2]
        if not ((mode and any(c in str(mode) for c in "wax+")) or (flags or 0) & WRITE_FLAGS):
            return
    elif event not in EVENTS:
        return
    seen += 1
    if after < 0:
        os.write(2, f"write {seen}: {event}\\n".encode())
    elif seen > after:
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(hook)
from lcai.cli.main import main
sys.argv = ["lcai", *sys.argv[2:]]
main()
'''


def _driver(d: Path, after: int, args: list[str]) -> subprocess.CompletedProcess[str]:
    script = d / "kill_driver.py"
    if not script.exists():
        script.write_text(KILL_DRIVER)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, str(script), str(after), *args],
        capture_output=True, text=True, timeout=120, check=False, env=env, cwd=d,
    )  # fmt: skip


def _writes(d: Path, args: list[str]) -> int:
    """How many file-system writes a run makes (the kill points)."""
    done = _driver(d, -1, args)
    assert done.returncode == 0, done.stderr
    return done.stderr.count("write ")


def _tree(paths: list[Path]) -> dict[str, bytes | None] | None:
    """The files of an output set (None where none of its paths exist)."""
    if not any(p.exists() for p in paths):
        return None
    out: dict[str, bytes | None] = {}
    for p in paths:
        if p.is_dir():
            out.update({f"{p.name}/{k}": v for k, v in snapshot(p).items()})
        elif p.exists():
            out[p.name] = p.read_bytes()
    return out


def _killed_at_every_write(
    d: Path, args: list[str], outputs: list[Path], old: dict[str, bytes | None] | None,
    new: dict[str, bytes | None] | None, restore: Callable[[], None],
) -> None:  # fmt: skip
    """Kill the run before each of its writes in turn (at most 10, spread over them; the
    last point lets it finish): the outputs are the old set, the new set, or absent."""
    n = _writes(d, args)
    assert n >= 2, n
    points = sorted({round(i * n / 9) for i in range(10)})  # at most 10 kill points
    mixed = []
    for k in points:
        restore()
        done = _driver(d, k, args)
        assert done.returncode in (-signal.SIGKILL, 0), done.stderr
        assert done.returncode == -signal.SIGKILL or k == n, (k, n, done.stderr)
        got = _tree(outputs)
        if got not in (None, old, new):
            mixed.append(k)
    assert not mixed, f"kills before writes {mixed} of {n} left a mixed or partial output"


def test_kill_fleet_account_between_files(tmp_path: Path, old_fleet: Path) -> None:
    """SIGKILL before each write of ``fleet account -o OUT`` (a folder of 7 files)."""
    _write(tmp_path, _fleet_inputs())
    args = [a.replace("{d}", str(tmp_path)) for a in fleet()]
    ref = tmp_path / "ref"
    ref.mkdir()
    assert run([*args[:-1], str(ref / "fleet-out")]) == 0
    new = _tree([ref / "fleet-out"])
    old = _tree([old_fleet])
    assert new is not None and old is not None and new != old
    out = tmp_path / "fleet-out"

    def restore() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old_fleet, out)

    _killed_at_every_write(tmp_path, args, [out], old, new, restore)


def test_kill_fleet_account_at_random_times(tmp_path: Path, old_fleet: Path) -> None:
    """SIGKILL a real ``lcai fleet account`` at random moments (a few tries)."""
    _write(tmp_path, _fleet_inputs())
    args = [a.replace("{d}", str(tmp_path)) for a in fleet()]
    ref = tmp_path / "ref"
    ref.mkdir()
    assert run([*args[:-1], str(ref / "fleet-out")]) == 0
    new, old = _tree([ref / "fleet-out"]), _tree([old_fleet])
    out = tmp_path / "fleet-out"
    rng = random.Random(14)
    t0 = time.perf_counter()
    subprocess.run([LCAI, *args], check=True, capture_output=True, timeout=120)
    full = time.perf_counter() - t0
    for _ in range(4):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old_fleet, out)
        proc = subprocess.Popen([LCAI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.0) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert _tree([out]) in (None, old, new)


def _report_set(folder: Path) -> list[Path]:
    return [folder / "r.md", folder / "r-charts"]


_CHART_LINK = re.compile(r"\(<(r-charts/[^>]+)>\)")


def _consistent_report(folder: Path, versions: dict[str, dict[str, bytes]]) -> str | None:
    """Which version ('old' or 'new') the ``r.md`` in ``folder`` is, if it is one and every
    chart it links to is there with that version's bytes; None otherwise (or no .md)."""
    md = folder / "r.md"
    if not md.is_file():
        return None
    text = md.read_bytes()
    for name, files in versions.items():
        if text != files["r.md"]:
            continue
        links = _CHART_LINK.findall(text.decode())
        if all(
            (folder / link).read_bytes() == files[link]
            for link in links
            if (folder / link).is_file()
        ) and all((folder / link).is_file() for link in links):
            return name
    return None


def _report_files(folder: Path) -> dict[str, bytes]:
    out = {"r.md": (folder / "r.md").read_bytes()}
    for p in (folder / "r-charts").rglob("*.svg"):
        out[str(p.relative_to(folder))] = p.read_bytes()
    return out


def test_kill_report_md_between_files(tmp_path: Path) -> None:
    """SIGKILL before each write of ``report -o r.md`` (the .md and its charts): the .md
    there is the old or the new one, and every chart it links to is there, of its own
    version. A complete run leaves only its own charts."""
    old_file, new_file = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old_file.write_text(m("name: hostile", "name: old"))
    new_file.write_text(m("count: 8", "count: 64", m("name: hostile", "name: new")))
    versions = {}
    for name, f in (("old", old_file), ("new", new_file)):
        (tmp_path / name).mkdir()
        assert run(["report", str(f), "-o", str(tmp_path / name / "r.md"), *REPORT_FAST]) == 0
        versions[name] = _report_files(tmp_path / name)
    assert versions["old"]["r.md"] != versions["new"]["r.md"]
    args = ["report", str(new_file), "-o", str(tmp_path / "r.md"), *REPORT_FAST]

    def restore() -> None:
        for p in _report_set(tmp_path):
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        shutil.copy(tmp_path / "old" / "r.md", tmp_path / "r.md")
        shutil.copytree(tmp_path / "old" / "r-charts", tmp_path / "r-charts")

    restore()  # count the writes from the old set (the prune of its charts is one of them)
    n = _writes(tmp_path, args)
    assert n >= 2, n
    broken = []
    for k in sorted({round(i * n / 9) for i in range(10)}):
        restore()
        done = _driver(tmp_path, k, args)
        assert done.returncode in (-signal.SIGKILL, 0), done.stderr
        if _consistent_report(tmp_path, versions) is None:
            broken.append(k)
    assert not broken, f"kills before writes {broken} of {n} left a .md with missing charts"
    # the last point ran to the end: only the new version's charts are left
    assert _report_files(tmp_path) == versions["new"]


def test_kill_fleet_synth_between_files(tmp_path: Path) -> None:
    """SIGKILL before each write of ``fleet synth -o OUT --replace`` over an older fleet."""
    base = ["fleet", "synth", "--nodes", "1", "--hours", "1"]
    for name, seed in (("old", "1"), ("new", "2")):
        assert run([*base, "-o", str(tmp_path / name / "s"), "--seed", seed]) == 0
    old, new = _tree([tmp_path / "old" / "s"]), _tree([tmp_path / "new" / "s"])
    assert old != new
    out = tmp_path / "s"
    args = [*base, "-o", str(out), "--seed", "2", "--replace"]

    def restore() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(tmp_path / "old" / "s", out)

    _killed_at_every_write(tmp_path, args, [out], old, new, restore)


@pytest.mark.parametrize(
    "where",
    [
        "read-only",
        "full-disk",
    ],
)
def test_track_run_file_on_a_read_only_or_full_disk(where: str, tmp_path: Path) -> None:
    """``lcai track -o`` where the run file cannot be written: exit 2 before the command
    starts, one line naming the file; nothing left behind."""
    marker = tmp_path / "ran"
    command = (sys.executable, "-c", f"open({str(marker)!r}, 'w').close()")
    with tmpfs(tmp_path / "fs") as fs:
        (fs / "x.json").write_text(SENTINEL)
        if where == "full-disk":
            fill(fs)
        else:
            _mount("-o", "remount,ro", str(fs))
        before = snapshot(fs)
        res = track(tmp_path, ("-o", str(fs / "r.jsonl"), "--", *command))
        assert_refused(res, (str(fs / "r.jsonl"),))
        assert snapshot(fs) == before
    assert not marker.exists()
