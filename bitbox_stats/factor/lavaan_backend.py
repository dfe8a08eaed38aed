"""Fit a CFA with R's lavaan through rpy2 (the optional extra ``r``).

rpy2 is imported lazily, the first time this backend is used.

Nothing a user typed ever reaches R as text to parse or evaluate. lavaan reads
parts of its model syntax as R expressions (modifiers such as ``start()``,
``:=`` definitions, constraints), so the user's model string is never sent:
the package parses it itself (:func:`~bitbox_stats.factor.syntax.parse_model`,
which refuses every construct it does not support), applies lavaan's
``cfa()`` defaults (:func:`~bitbox_stats.factor.syntax.parameter_table`), and
hands lavaan that complete parameter table as character and numeric vectors.
The indicator data go as one numeric matrix and a character vector of column
names, assembled into a ``data.frame`` by a fixed R function (this does not
depend on rpy2's pandas converter, which does not work with pandas 3, and no
name ever becomes an R argument name). The only R source evaluated is the
fixed function below.

R's warnings during the fit (for example lavaan's "some estimated ov variances
are negative") are collected and returned, not printed.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from ..errors import RBackendError

INSTALL_HINT = (
    'install rpy2 with `pip install "bitbox-stats[r]"` and R\'s lavaan with '
    "`apt-get install r-cran-lavaan` (Debian/Ubuntu) or `install.packages(\"lavaan\")` in R"
)

FIT_MEASURES = {
    "n": "ntotal",
    "n_parameters": "npar",
    "chi2": "chisq",
    "df": "df",
    "pval": "pvalue",
    "baseline_chi2": "baseline.chisq",
    "baseline_df": "baseline.df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "srmr": "srmr",
    "loglik": "logl",
    "aic": "aic",
    "bic": "bic",
}

_R_FIT = r"""
function(lhs, op, rhs, free, ustart, x, names, measures) {
  data <- as.data.frame(matrix(x, ncol = length(names)))
  names(data) <- names
  partable <- list(lhs = lhs, op = op, rhs = rhs, user = rep(1L, length(lhs)),
                   free = free, ustart = ustart)
  warns <- character(0)
  fit <- withCallingHandlers(
    lavaan::cfa(partable, data = data),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  converged <- isTRUE(lavaan::lavInspect(fit, "converged"))
  pe <- withCallingHandlers(
    lavaan::parameterEstimates(fit, standardized = TRUE),
    warning = function(w) invokeRestart("muffleWarning"))
  pt <- lavaan::parTable(fit)
  key_pe <- paste(pe$lhs, pe$op, pe$rhs)
  key_pt <- paste(pt$lhs, pt$op, pt$rhs)
  free <- pt$free[match(key_pe, key_pt)] > 0
  fm <- if (converged) {
    withCallingHandlers(as.numeric(lavaan::fitMeasures(fit, measures)),
                        warning = function(w) invokeRestart("muffleWarning"))
  } else rep(NA_real_, length(measures))
  list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se, z = pe$z,
       pvalue = pe$pvalue, std_all = pe$std.all, free = free, fit = fm,
       converged = converged, warnings = warns,
       version = as.character(utils::packageVersion("lavaan")))
}
"""

_STATE: dict = {}


def _robjects():
    """Import rpy2 and start R; raise RBackendError saying what is missing."""
    if "ro" in _STATE:
        return _STATE["ro"]
    if "rpytools" in sys.modules:  # reticulate's helper module: Python is running inside R
        raise RBackendError(
            "backend='lavaan' starts R through rpy2, which cannot run inside an R session (Python is "
            "embedded in R here, e.g. through reticulate); call lavaan::cfa() in R directly, or use "
            "backend='semopy'"
        )
    try:
        import rpy2  # noqa: F401
    except ImportError:
        raise RBackendError(
            f"backend='lavaan' needs the Python package rpy2, which is not installed; {INSTALL_HINT}"
        ) from None
    # rpy2 prepends R's library folders (and /usr/lib/<arch>) to LD_LIBRARY_PATH when it
    # starts R. R is loaded by then, so put the variable back: otherwise every process
    # started later (process pools, Dask workers) may pick up another libpython.
    saved = os.environ.get("LD_LIBRARY_PATH")
    try:
        import rpy2.robjects as ro
    except Exception as err:  # noqa: BLE001 - rpy2 raises several kinds when R is absent
        raise RBackendError(
            f"backend='lavaan' needs R, but rpy2 could not start it ({type(err).__name__}: {err}); "
            f"install R (e.g. `apt-get install r-base`) and make sure R_HOME is set; {INSTALL_HINT}"
        ) from None
    finally:
        if saved is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = saved
    _STATE["ro"] = ro
    return ro


def require_r_package(package: str = "lavaan"):
    """Return rpy2's robjects after checking that the R package can be loaded."""
    ro = _robjects()
    key = f"has_{package}"
    if key not in _STATE:
        found = ro.r["requireNamespace"](package, quietly=True)
        _STATE[key] = bool(found[0])
    if not _STATE[key]:
        raise RBackendError(
            f"backend='lavaan' needs the R package {package!r}, which R cannot load; "
            f"install it with `apt-get install r-cran-{package.lower()}` or "
            f"`install.packages(\"{package}\")` in R"
        )
    return ro


def fit(table, x: np.ndarray, indicators):
    """Run ``lavaan::cfa`` on complete data ``x`` (n x p) for a parameter table.

    ``table`` is the package's own :func:`~bitbox_stats.factor.syntax.parameter_table`
    (lavaan's defaults already applied); it reaches R as vectors, never as model
    syntax. Returns a dict with the parameter estimates (lhs, op, rhs, est, se, z,
    pvalue, std_all, free as NumPy arrays), ``fit`` (dict of our fit-measure
    names), ``converged``, ``warnings`` (list of str) and ``version``.
    """
    ro = require_r_package("lavaan")
    from rpy2.rinterface_lib.embedded import RRuntimeError

    free = table["free"].to_numpy(dtype=bool)
    free_index = np.where(free, np.cumsum(free), 0)
    ustart = [ro.NA_Real if f else float(v) for f, v in zip(free, table["value"], strict=True)]
    x = np.asarray(x, dtype=float)
    if "fit" not in _STATE:
        _STATE["fit"] = ro.r(_R_FIT)
    args = (
        ro.StrVector([str(v) for v in table["lhs"]]),
        ro.StrVector([str(v) for v in table["op"]]),
        ro.StrVector([str(v) for v in table["rhs"]]),
        ro.IntVector([int(v) for v in free_index]),
        ro.FloatVector(ustart),
        ro.FloatVector(np.asfortranarray(x).ravel(order="F").tolist()),
        ro.StrVector([str(v) for v in indicators]),
        ro.StrVector(list(FIT_MEASURES.values())),
    )
    try:
        out = _STATE["fit"](*args)
    except RRuntimeError as err:
        message = str(err).strip().replace("\n", " ")
        raise ValueError(f"lavaan could not fit the model: {message}") from None
    res = {name: out.rx2(name) for name in out.names}

    def num(v):
        return np.array([np.nan if (val is None or val is ro.NA_Real) else float(val) for val in v])

    result = {
        "lhs": [str(s) for s in res["lhs"]],
        "op": [str(s) for s in res["op"]],
        "rhs": [str(s) for s in res["rhs"]],
        "est": num(res["est"]),
        "se": num(res["se"]),
        "z": num(res["z"]),
        "pvalue": num(res["pvalue"]),
        "std_all": num(res["std_all"]),
        "free": np.array([bool(v) if v is not ro.NA_Logical else False for v in res["free"]]),
        "converged": bool(res["converged"][0]),
        "warnings": [str(w).strip() for w in res["warnings"]],
        "version": str(res["version"][0]),
    }
    values = num(res["fit"])
    result["fit"] = dict(zip(FIT_MEASURES, values, strict=True))
    return result
