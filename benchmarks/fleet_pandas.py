"""A plain pandas implementation of the fleet accounting's energy per job, with the same
rules as lcai.fleet: the reference the tests compare against and the benchmark's baseline.
It loads everything at once (memory grows with the data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lcai.fleet.readers import power_files, read_jobs, read_power


def energy_per_job_j(power: str | Path, jobs_csv: str | Path, gap_s: float = 10.0,
                     cap_w: float = 700.0) -> dict[str, float]:  # fmt: skip
    frames = []
    for f in power_files(power):
        df = read_power(f).to_pandas()
        df["row"] = range(len(df))
        df = df.sort_values(["node", "gpu", "t_ms"], kind="stable")
        df = df.drop_duplicates(["node", "gpu", "t_ms"], keep="first")
        nxt = df.groupby(["node", "gpu"])["row"].shift(-1)
        df = df[~(df["row"] > nxt)]  # written after a later-stamped sample: a clock step
        df = df[df["power_w"].notna() & (df["power_w"] >= 0)]
        df["power_w"] = df["power_w"].clip(upper=cap_w)
        frames.append(df)
    df = pd.concat(frames).sort_values(["node", "gpu", "t_ms"])
    g = df.groupby(["node", "gpu"])
    df["t_next"] = g["t_ms"].shift(-1)
    df["p_next"] = g["power_w"].shift(-1)
    df = df.dropna(subset=["t_next"])
    df["dt_ms"] = df["t_next"] - df["t_ms"]
    df = df[(df["dt_ms"] > 0) & (df["dt_ms"] <= gap_s * 1000)].copy()
    df["energy_j"] = (df["power_w"] + df["p_next"]) * 0.5 * df["dt_ms"] / 1000.0
    jobs = read_jobs(jobs_csv).to_pandas().sort_values("start_ms")
    df = df.sort_values("t_ms")
    att = pd.merge_asof(df, jobs[["node", "gpu", "start_ms", "end_ms", "job_id"]],
                        left_on="t_ms", right_on="start_ms", by=["node", "gpu"],
                        direction="backward")  # fmt: skip
    att["job_id"] = att["job_id"].where(att["t_ms"] < att["end_ms"], "idle").fillna("idle")
    return att.groupby("job_id")["energy_j"].sum().to_dict()
