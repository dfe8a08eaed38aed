"""The published values of Lin, Girard & Morency (2020), Tables 1-4, and a run's values beside them.

The values are stored as data in ``data/lin2020_tables.csv`` (copied from the
paper; see ``data/README.md``): one row per published number, with columns
``table`` (1-4), ``context`` (``startle``, ``pain``, ``disgust`` or ``all``),
``row`` (the question, the model, or the ``ElasticNet - other`` difference),
``statistic`` (``icc``, ``loading``, ``residual_variance``, ``nrmse`` or ``r``),
``value``, ``ci_low``, ``ci_high``, ``pval`` and ``pval_below`` (True where the
paper prints ``p < pval``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

_FILE = Path(__file__).parent / "data" / "lin2020_tables.csv"
_MODELS = ("Uniform baseline", "Normal baseline", "Human baseline", "ElasticNet")
_TASKS = ("startle", "pain", "disgust")
#: The derived row: the per-task ElasticNet models' mean test r minus the all-task model's r.
GAIN_ROW = "ElasticNet per task (mean r) - all tasks"
COLUMNS = ["table", "context", "row", "statistic", "paper", "paper_ci_low", "paper_ci_high", "run",
           "run_ci_low", "run_ci_high"]


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    return pd.read_csv(_FILE, dtype={"context": str, "row": str, "statistic": str})


def paper_values() -> pd.DataFrame:
    """The paper's Tables 1-4 as one long table (a fresh copy)."""
    return _read().copy()


def _gain(table3: pd.DataFrame) -> float:
    en = table3[(table3["row"] == "ElasticNet") & (table3["statistic"] == "r")].set_index("context")["value"]
    if not set(_TASKS) <= set(en.index) or "all" not in en.index:
        return np.nan
    return float(en.loc[list(_TASKS)].mean() - en.loc["all"])


def _run_values(result) -> pd.DataFrame:
    """The run's numbers in the paper table's long layout."""
    t1 = result.table1
    parts = [pd.DataFrame({"table": 1, "context": t1["task"].astype(str), "row": t1["item"].astype(str),
                           "statistic": "icc", "value": t1["icc"], "ci_low": t1["ci_low"],
                           "ci_high": t1["ci_high"]})]
    t2 = result.table2
    for stat in ("loading", "residual_variance"):
        parts.append(pd.DataFrame({"table": 2, "context": t2["fit"].astype(str), "row": t2["item"].astype(str),
                                   "statistic": stat, "value": t2[stat]}))
    t3 = result.table3
    for stat in ("nrmse", "r"):
        parts.append(pd.DataFrame({"table": 3, "context": t3["context"].astype(str),
                                   "row": t3["model"].astype(str), "statistic": stat, "value": t3[stat]}))
    t4 = result.table4
    parts.append(pd.DataFrame({"table": 4, "context": t4["context"].astype(str), "row": t4["term"].astype(str),
                               "statistic": t4["metric"].replace({"pearson_r": "r"}),
                               "value": t4["estimate"], "ci_low": t4["ci_low"], "ci_high": t4["ci_high"]}))
    return pd.concat(parts, ignore_index=True)


def paper_comparison(result) -> pd.DataFrame:
    """The paper's values beside a study result's (see ``StudyResult.paper_comparison``)."""
    paper = _read()
    keep = (paper["table"] <= 2) | paper["row"].isin(_MODELS) | paper["row"].isin(
        [f"ElasticNet - {m}" for m in _MODELS if m != "ElasticNet"])
    paper = paper.loc[keep, ["table", "context", "row", "statistic", "value", "ci_low", "ci_high"]]
    run = _run_values(result)
    out = paper.merge(run, on=["table", "context", "row", "statistic"], how="left", suffixes=("_paper", "_run"))
    gain = pd.DataFrame([{"table": 3, "context": "all", "row": GAIN_ROW, "statistic": "r",
                          "value_paper": _gain(paper), "value_run": _gain(run)}])
    out = pd.concat([out, gain], ignore_index=True).sort_values("table", kind="stable", ignore_index=True)
    out = out.rename(columns={"value_paper": "paper", "ci_low_paper": "paper_ci_low",
                              "ci_high_paper": "paper_ci_high", "value_run": "run", "ci_low_run": "run_ci_low",
                              "ci_high_run": "run_ci_high"})
    out["table"] = out["table"].astype(np.int64)
    for c in COLUMNS[4:]:
        out[c] = out[c].astype(float)
    return out[COLUMNS].reset_index(drop=True)
