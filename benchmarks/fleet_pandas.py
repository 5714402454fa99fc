"""A plain pandas implementation of the fleet accounting's energy per job, with the same
rules as lcai.fleet: the reference the tests compare against and the benchmark's baseline.
It loads everything at once (memory grows with the data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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
    df = df.reset_index(drop=True)
    df["job_id"] = _holder(df, read_jobs(jobs_csv).to_pandas())
    return df.groupby("job_id")["energy_j"].sum().to_dict()


def _holder(df: pd.DataFrame, jobs: pd.DataFrame) -> pd.Series:
    """The job holding each interval's GPU at its start: of the jobs running then, the
    latest-starting (equal starts: the one listed later), found by going back through
    earlier jobs with merge_asof only while one of them may still be running."""
    dev = ["node", "gpu"]
    jobs = jobs.assign(rank=jobs["start_ms"] * 2**20 + np.arange(len(jobs)))
    jobs = jobs.sort_values("rank")
    jobs["earlier_end"] = jobs.groupby(dev)["end_ms"].cummax()
    jobs["earlier_end"] = jobs.groupby(dev)["earlier_end"].shift(1).fillna(-1)
    jobs["job_rank"] = jobs["rank"]
    right = jobs[[*dev, "rank", "job_rank", "end_ms", "earlier_end", "job_id"]]
    out = pd.Series("idle", index=df.index, dtype=object)
    todo = df[[*dev, "t_ms"]].assign(rank=df["t_ms"] * 2**20 + (2**20 - 1))
    while len(todo):
        left = todo.sort_values("rank").reset_index()
        m = pd.merge_asof(left, right, on="rank", by=dev, direction="backward")
        held = m["t_ms"] < m["end_ms"]
        out.loc[m.loc[held, "index"]] = m.loc[held, "job_id"].to_numpy()
        again = m[~held & (m["earlier_end"] > m["t_ms"])]  # an earlier job may hold it
        todo = again.set_index("index")[[*dev, "t_ms"]].assign(
            rank=again["job_rank"].to_numpy() - 1
        )
    return out
