"""Fit a CFA with semopy, in the form semopy handles well, and map it back.

Three of semopy's habits are worked around here:

* Its default SLSQP tolerance stops early (standardised loadings about 5e-4
  from lavaan's on HolzingerSwineford1939).  The fit here passes
  ``options={"ftol": 1e-12}``, after which they agree to about 3e-7, which is
  lavaan's own precision (refitting in lavaan with ``rel.tol = 1e-12`` moves
  its answer by the same 3e-7).
* SLSQP can report success far from the optimum, or at a degenerate point (a
  factor variance of 0 with loadings of +-60), when the indicators are nearly
  error-free (simulated reliabilities above 0.999: chi2 of 500-9000 where the
  optimum has 1; semopy's L-BFGS-B fails the same way, and its trust-constr
  is slow and runs out of evaluations).  Every answer is therefore checked:
  the decrease of chi2 that one Fisher-scoring step would bring
  (:func:`bitbox_stats.factor._ml.fisher_decrement`, about the squared
  distance to the optimum in standard errors) must be below
  ``OPTIMALITY_TOL``.  If it is not, the estimates are refined by Fisher
  scoring (:func:`bitbox_stats.factor._ml.fisher_scoring`, the Gauss-Newton
  iteration of classic SEM programs, with semopy's bounds), from semopy's
  answer and from principal-component starting values, and the better
  converged answer is kept; if neither converges (``CONVERGED_TOL``), the fit
  is reported as not converged.  Factors identified by their variance are
  then given a positive first loading, as lavaan reports them.
* A model whose factor variance is fixed (``std.lv``) can make semopy's fit
  loop.  Such factors are therefore fitted in the marker-variable form (first
  loading fixed to 1, variance free), which has the same likelihood, and then
  rescaled exactly: with s = sqrt(psi_kk / v_k) for the requested variance v_k,
  each loading of factor k is multiplied by s, and each factor covariance
  psi_kl is divided by s_k s_l.  Residual (co)variances do not change.

Variables are renamed (``v0``, ``v1``, ..., ``F0``, ...) before semopy sees
them, so names that semopy's own parser would misread are safe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SLSQP_FTOL = 1e-12
SLSQP_MAXITER = 10_000
OPTIMALITY_TOL = 1e-10
"""semopy's answer is accepted if one Fisher-scoring step would lower chi2 by less than this.

The predicted decrease is about (error / standard error)^2 summed over the
parameters, so 1e-10 keeps every estimate within 1e-5 standard errors of the
optimum; on HolzingerSwineford1939 semopy's answers are at 1.5e-11."""
REFINE_TOL = 1e-13
"""Fisher scoring runs until the decrease is below this (or it stalls)."""
CONVERGED_TOL = 1e-8
"""A refined answer above this is reported as not converged (1e-8 allows for the floor of
double precision on nearly singular data, where F_ML stops changing before 1e-13)."""


def _term(value, name):
    return name if value is None else f"{value!r}*{name}"


def describe(table: pd.DataFrame, factors, indicators):
    """Return ``(semopy description, factors refitted in marker form)``."""
    fname = {f: f"F{i}" for i, f in enumerate(factors)}
    xname = {x: f"v{i}" for i, x in enumerate(indicators)}
    rescaled = []
    loads = table[table["kind"] == "loading"]
    variances = table[table["kind"] == "latent_variance"].set_index("lhs")
    lines = []
    for f in factors:
        mine = loads[loads["lhs"] == f]
        var_free = bool(variances.loc[f, "free"])
        any_fixed = bool((~mine["free"]).any())
        if not var_free and any_fixed:
            raise ValueError(
                f"model: factor {f!r} has both a fixed variance and a fixed loading; the semopy "
                "backend supports one or the other (use backend='lavaan' for this model)"
            )
        marker = not var_free  # variance fixed, all loadings free: fit marker form, rescale
        if marker:
            rescaled.append(f)
        terms = []
        for j, (x, free, value) in enumerate(zip(mine["rhs"], mine["free"], mine["value"], strict=True)):
            if marker and j == 0:
                terms.append(_term(1.0, xname[x]))
            else:
                terms.append(_term(None if free else float(value), xname[x]))
        lines.append(f"{fname[f]} =~ " + " + ".join(terms))
    for kind, lhs, rhs, free, value in zip(
        table["kind"], table["lhs"], table["rhs"], table["free"], table["value"], strict=True
    ):
        if kind == "loading" or kind == "latent_variance":
            continue
        if kind == "latent_covariance":
            if not free and (lhs in rescaled or rhs in rescaled) and value != 0:
                raise ValueError(
                    f"model: the covariance {lhs} ~~ {rhs} is fixed to {value:g} between factors "
                    "identified by their variance; the semopy backend supports only 0 here "
                    "(use backend='lavaan')"
                )
            a, b = fname[lhs], fname[rhs]
        else:
            a, b = xname[lhs], xname[rhs]
        lines.append(f"{a} ~~ " + _term(None if free else float(value), b))
    return "\n".join(lines), rescaled


def fit(table: pd.DataFrame, x: np.ndarray, s: np.ndarray, factors, indicators):
    """Fit the model to complete data ``x`` (n x p) with semopy's ML (MLW) objective.

    Returns ``(values, converged, message)`` with ``values`` in table order.
    """
    import semopy  # imported here: a dependency, but heavy to import

    from . import _ml

    desc, rescaled = describe(table, factors, indicators)
    frame = pd.DataFrame(x, columns=[f"v{i}" for i in range(len(indicators))])
    free = table["free"].to_numpy()
    is_var = (table["kind"] == "residual_variance").to_numpy()
    diag_s = dict(zip(indicators, np.diag(s), strict=True))
    model = semopy.Model(desc)
    try:
        result = model.fit(frame, obj="MLW", solver="SLSQP",
                           options={"ftol": SLSQP_FTOL, "maxiter": SLSQP_MAXITER})
    except (np.linalg.LinAlgError, ValueError) as err:
        raise ValueError(f"semopy could not fit the model: {err}") from None
    values = _values(model, table, factors, indicators, rescaled)
    at_bound = np.array([
        bool(v and val <= 1e-10 * diag_s[lhs])
        for v, val, lhs in zip(is_var, values, table["lhs"], strict=True)
    ])[free]
    decrement = _ml.fisher_decrement(table, values, s, x.shape[0], factors, indicators, at_bound)
    if decrement < OPTIMALITY_TOL:  # at the optimum, whatever SLSQP's own flag says
        return _orient(table, values, rescaled), True, str(result.message)
    # semopy's point may be degenerate (a factor variance of 0, loadings of +-60): refine it, and
    # also start afresh from principal components; keep the better of the converged answers
    n = x.shape[0]
    candidates = []
    starts = [(values, "semopy's estimates refined by Fisher scoring"),
              (_ml.start_values(table, s, factors, indicators),
               "estimates from Fisher scoring from principal-component starting values")]
    for start, how in starts:
        refined, dec, _ = _ml.fisher_scoring(table, start, s, n, factors, indicators, tol=REFINE_TOL)
        decrement = min(decrement, dec)
        if dec < CONVERGED_TOL:
            f = _ml.f_ml(s, _ml.implied_cov(*_ml.matrices(table, refined, factors, indicators)))
            candidates.append((f, refined, how))
    if candidates:
        _, best, how = min(candidates, key=lambda c: c[0])
        best = _orient(table, best, rescaled)
        return best, True, f"semopy stopped before the optimum ({result.message}); {how}"
    message = (
        f"semopy stopped before the optimum and Fisher scoring did not reach it either (one more "
        f"step would lower chi2 by {decrement:.3g})"
    )
    return values, False, message


def _orient(table, values, rescaled):
    """Give each factor identified by its variance a positive first loading, as lavaan does.

    Such a factor is identified only up to its sign; flipping it changes the
    sign of its loadings and of its covariances with other factors, nothing else.
    """
    values = values.copy()
    kind, lhs, rhs = table["kind"].to_numpy(), table["lhs"].to_numpy(), table["rhs"].to_numpy()
    for f in rescaled:
        loads = np.flatnonzero((kind == "loading") & (lhs == f))
        if values[loads[0]] < 0:
            values[loads] *= -1
            cov = np.flatnonzero((kind == "latent_covariance") & ((lhs == f) | (rhs == f)))
            values[cov] *= -1
    return values


def _values(model, table, factors, indicators, rescaled):
    """Read semopy's matrices into parameter values in table order (rescaling marker fits)."""
    obs, lat = model.names_lambda
    fpos = {f: lat.index(f"F{i}") for i, f in enumerate(factors)}
    xpos = {x_: obs.index(f"v{i}") for i, x_ in enumerate(indicators)}
    lam_s, psi_s, theta_s = model.mx_lambda, model.mx_psi, model.mx_theta
    psi_rows, _ = model.names_psi
    ppos = {f: psi_rows.index(f"F{i}") for i, f in enumerate(factors)}
    trows, _ = model.names_theta
    tpos = {x_: trows.index(f"v{i}") for i, x_ in enumerate(indicators)}

    target_var = table[table["kind"] == "latent_variance"].set_index("lhs")["value"]
    scale = {f: 1.0 for f in factors}
    for f in rescaled:
        psi_kk = psi_s[ppos[f], ppos[f]]
        scale[f] = np.sqrt(psi_kk / target_var[f]) if psi_kk > 0 else np.nan

    values = np.empty(len(table))
    for r, (kind, lhs, rhs) in enumerate(zip(table["kind"], table["lhs"], table["rhs"], strict=True)):
        if kind == "loading":
            values[r] = lam_s[xpos[rhs], fpos[lhs]] * scale[lhs]
        elif kind == "latent_variance":
            values[r] = psi_s[ppos[lhs], ppos[lhs]] / scale[lhs] ** 2
        elif kind == "latent_covariance":
            values[r] = psi_s[ppos[lhs], ppos[rhs]] / (scale[lhs] * scale[rhs])
        else:
            values[r] = theta_s[tpos[lhs], tpos[rhs]]
    # fixed parameters take their fixed values exactly (the rescaled variances included)
    fixed = ~table["free"].to_numpy()
    values[fixed] = table["value"].to_numpy()[fixed]
    return values
