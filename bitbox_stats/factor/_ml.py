"""Normal-theory maximum likelihood quantities of a CFA, from its estimates.

The model is Sigma = Lambda Psi Lambda' + Theta.  Everything here follows
lavaan's defaults for ``cfa()`` with complete data: the sample covariance
matrix S uses the N denominator (``likelihood = "normal"``), the chi-square
is N times the ML discrepancy, standard errors come from the expected
(structured) information, and the RMSEA uses N.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

RMSEA_LEVEL = 0.90


def matrices(table: pd.DataFrame, values: np.ndarray, factors, indicators):
    """Build (Lambda p x m, Psi m x m, Theta p x p) from parameter values in table order."""
    fi = {f: i for i, f in enumerate(factors)}
    xi = {x: i for i, x in enumerate(indicators)}
    p, m = len(indicators), len(factors)
    lam, psi, theta = np.zeros((p, m)), np.zeros((m, m)), np.zeros((p, p))
    for kind, lhs, rhs, v in zip(table["kind"], table["lhs"], table["rhs"], values, strict=True):
        if kind == "loading":
            lam[xi[rhs], fi[lhs]] = v
        elif kind in ("latent_variance", "latent_covariance"):
            psi[fi[lhs], fi[rhs]] = psi[fi[rhs], fi[lhs]] = v
        else:
            theta[xi[lhs], xi[rhs]] = theta[xi[rhs], xi[lhs]] = v
    return lam, psi, theta


def implied_cov(lam, psi, theta):
    return lam @ psi @ lam.T + theta


def _derivatives(table, lam, psi, factors, indicators):
    """dSigma/d(theta_a) for every free parameter, shape (q, p, p)."""
    fi = {f: i for i, f in enumerate(factors)}
    xi = {x: i for i, x in enumerate(indicators)}
    p = lam.shape[0]
    a = lam @ psi  # p x m
    out = []
    free = table[table["free"]]
    for kind, lhs, rhs in zip(free["kind"], free["lhs"], free["rhs"], strict=True):
        d = np.zeros((p, p))
        if kind == "loading":
            i, k = xi[rhs], fi[lhs]
            d[i, :] += a[:, k]
            d[:, i] += a[:, k]
        elif kind in ("latent_variance", "latent_covariance"):
            k, ell = fi[lhs], fi[rhs]
            outer = np.outer(lam[:, k], lam[:, ell])
            d = outer + outer.T if k != ell else outer
        else:
            i, j = xi[lhs], xi[rhs]
            d[i, j] = 1.0
            d[j, i] = 1.0
        out.append(d)
    return np.array(out).reshape(len(out), p, p)


def _score_and_information(table, s, lam, psi, theta, factors, indicators):
    """(gradient of F_ML, expected information) from one Sigma, one inverse, one set of derivatives."""
    sigma = implied_cov(lam, psi, theta)
    inv = np.linalg.inv(sigma)
    d = _derivatives(table, lam, psi, factors, indicators)
    m = np.einsum("ij,ajk->aik", inv, d)
    info = 0.5 * np.einsum("aij,bji->ab", m, m)
    g = None if s is None else np.einsum("ij,aji->a", inv @ (sigma - s) @ inv, d)
    return g, info


def expected_information(table, lam, psi, theta, factors, indicators):
    """Expected information of one observation: I_ab = tr(S^-1 dS_a S^-1 dS_b) / 2."""
    return _score_and_information(table, None, lam, psi, theta, factors, indicators)[1]


def fisher_decrement(table, values, s, n, factors, indicators, at_bound=None):
    """The decrease of chi2 = N F_ML that one Fisher-scoring step from ``values`` predicts.

    With gradient g of F_ML and per-observation expected information I (the
    Hessian of F_ML is about 2 I), a step -(2 I)^-1 g lowers F by g' I^-1 g / 4,
    so chi2 by N g' I^-1 g / 4.  It is invariant to the parameterisation and
    about 0 (1e-11 on HolzingerSwineford1939 at the optimum) only at a
    stationary point.  Parameters held at a lower bound with a gradient that
    points out of the bounds (``at_bound``, a boolean mask over free
    parameters) are left out, as they satisfy the optimality conditions.
    """
    if not np.all(np.isfinite(values)):
        return np.inf
    lam, psi, theta = matrices(table, values, factors, indicators)
    try:
        g, info = _score_and_information(table, s, lam, psi, theta, factors, indicators)
        keep = np.ones(g.size, dtype=bool) if at_bound is None else ~(at_bound & (g > 0))
        g, info = g[keep], info[np.ix_(keep, keep)]
        if g.size == 0:
            return 0.0
        step = np.linalg.lstsq(info, g, rcond=None)[0]
    except np.linalg.LinAlgError:
        return np.inf
    value = float(n / 4 * g @ step)
    return value if np.isfinite(value) else np.inf


def f_ml(s, sigma):
    """ML discrepancy log|Sigma| + tr(S Sigma^-1) - log|S| - p (inf if Sigma is not PD)."""
    if not np.all(np.isfinite(sigma)):
        return np.inf
    with np.errstate(all="ignore"):
        sign, logdet = np.linalg.slogdet(sigma)
        if sign <= 0 or not np.isfinite(logdet):
            return np.inf
        try:
            value = logdet + np.trace(np.linalg.solve(sigma, s)) - _logdet(s) - s.shape[0]
        except np.linalg.LinAlgError:
            return np.inf
    return float(value) if np.isfinite(value) else np.inf


def start_values(table, s, factors, indicators):
    """Starting values from the first principal component of each factor's indicators.

    For factor k with indicators J: the leading eigenpair (e, v) of S[J, J]
    gives loadings v sqrt(e) at factor variance 1, rescaled to the model's
    identification (a fixed loading keeps its value, the variance follows);
    residual variances are what the factors leave of the sample variances
    (at least 10%); factor covariances come from the correlations of the
    component scores; residual covariances start at 0.
    """
    fi = {f: i for i, f in enumerate(factors)}
    xi = {x: i for i, x in enumerate(indicators)}
    p, m = len(indicators), len(factors)
    lam, psi = np.zeros((p, m)), np.eye(m)
    weights = np.zeros((p, m))
    loads = table[table["kind"] == "loading"]
    for f in factors:
        mine = loads[loads["lhs"] == f]
        idx = [xi[x] for x in mine["rhs"]]
        evals, evecs = np.linalg.eigh(s[np.ix_(idx, idx)])
        v = evecs[:, -1] * np.sign(evecs[:, -1].sum() or 1.0)
        lam_k = v * np.sqrt(max(evals[-1], 1e-12))
        fixed = (~mine["free"]).to_numpy() & (mine["value"].to_numpy() != 0)
        var_row = table[(table["kind"] == "latent_variance") & (table["lhs"] == f)].iloc[0]
        k = fi[f]
        if fixed.any():
            j = int(np.argmax(fixed))
            c = mine["value"].to_numpy()[j] / lam_k[j] if lam_k[j] != 0 else 1.0
            lam_k, psi[k, k] = lam_k * c, 1.0 / c**2
        elif not var_row["free"]:
            lam_k, psi[k, k] = lam_k / np.sqrt(var_row["value"]), var_row["value"]
        lam[idx, k] = lam_k
        weights[idx, k] = v
    pc_cov = weights.T @ s @ weights
    sd = np.sqrt(np.diag(pc_cov))
    corr = pc_cov / np.outer(sd, sd)
    for k in range(m):
        for ell in range(k + 1, m):
            psi[k, ell] = psi[ell, k] = corr[k, ell] * np.sqrt(psi[k, k] * psi[ell, ell])
    implied = np.diag(lam @ psi @ lam.T)
    theta = np.maximum(np.diag(s) - implied, 0.1 * np.diag(s))
    values = np.empty(len(table))
    for r, (kind, lhs, rhs, free, value) in enumerate(zip(
            table["kind"], table["lhs"], table["rhs"], table["free"], table["value"], strict=True)):
        if not free:
            values[r] = value
        elif kind == "loading":
            values[r] = lam[xi[rhs], fi[lhs]]
        elif kind in ("latent_variance", "latent_covariance"):
            values[r] = psi[fi[lhs], fi[rhs]]
        elif kind == "residual_variance":
            values[r] = theta[xi[lhs]]
        else:
            values[r] = 0.0
    return values


def fisher_scoring(table, values, s, n, factors, indicators, *, tol=1e-9, max_iter=100):
    """Refine ML estimates by Fisher scoring (Gauss-Newton with the expected information).

    Each step is -(2 I)^-1 g on the free parameters (g the gradient of F_ML,
    I the expected information per observation), with variances kept >= 0
    (the bounds semopy uses): a variance at 0 whose gradient points below 0
    is held there for the step (the active set), and a step is projected onto
    variances >= 0 and halved until F_ML decreases.  Stops when the predicted
    chi2 decrease N g' I^-1 g / 4 over the parameters not held is below
    ``tol``, or when F_ML no longer changes (relative change below 1e-15).

    Returns ``(values, decrement, n_iter)``; the decrement is inf if the
    iteration broke down (a singular matrix, non-finite values).
    """
    values = np.asarray(values, dtype=float).copy()
    free_idx = np.flatnonzero(table["free"].to_numpy())
    is_var = table["kind"].isin(["residual_variance", "latent_variance"]).to_numpy()[free_idx]
    scale = np.maximum(np.abs(np.diag(s)).max(), 1e-300)
    try:
        current = f_ml(s, implied_cov(*matrices(table, values, factors, indicators)))
    except (np.linalg.LinAlgError, ValueError):
        return values, np.inf, 0
    if not (np.all(np.isfinite(values)) and np.isfinite(current)):
        return values, np.inf, 0
    decrement = np.inf
    for it in range(max_iter):
        lam, psi, theta = matrices(table, values, factors, indicators)
        try:
            g, info = _score_and_information(table, s, lam, psi, theta, factors, indicators)
            held = is_var & (values[free_idx] <= 1e-12 * scale) & (g > 0)
            move = ~held
            step = np.zeros(free_idx.size)
            step[move] = np.linalg.lstsq(2 * info[np.ix_(move, move)], g[move], rcond=None)[0]
        except np.linalg.LinAlgError:
            return values, np.inf, it
        if not np.all(np.isfinite(step)):
            return values, np.inf, it
        decrement = float(n / 2 * g[move] @ step[move])  # = N g' I^-1 g / 4
        if decrement < tol:
            return values, decrement, it
        alpha, accepted = 1.0, False
        for _ in range(60):
            trial = values.copy()
            moved = trial[free_idx] - alpha * step
            moved[is_var] = np.maximum(moved[is_var], 0.0)
            trial[free_idx] = moved
            value = f_ml(s, implied_cov(*matrices(table, trial, factors, indicators)))
            if value <= current:
                accepted = True
                break
            alpha /= 2
        if not accepted:
            return values, decrement, it
        stalled = abs(current - value) <= 1e-15 * max(abs(current), 1e-300)
        values, current = trial, value
        if stalled:
            break
    bound = is_var & (values[free_idx] <= 1e-12 * scale)
    return values, fisher_decrement(table, values, s, n, factors, indicators, bound), it + 1


def standard_errors(table, lam, psi, theta, factors, indicators, n):
    """Standard errors of the free parameters (NaN if the information is singular).

    Returns ``(se, ok)`` where ``ok`` is False when the information matrix is
    singular or badly conditioned (the model is then empirically unidentified).
    """
    info = expected_information(table, lam, psi, theta, factors, indicators) * n
    q = info.shape[0]
    if q == 0:
        return np.zeros(0), True
    scale = np.sqrt(np.abs(np.diag(info)))
    scale[scale == 0] = 1.0
    scaled = info / np.outer(scale, scale)
    if not np.all(np.isfinite(scaled)) or np.linalg.cond(scaled) > 1e12:
        return np.full(q, np.nan), False
    cov = np.linalg.inv(scaled) / np.outer(scale, scale)
    var = np.diag(cov)
    se = np.sqrt(np.where(var > 0, var, np.nan))
    return se, bool(np.all(var > 0))


def std_all(table, lam, psi, theta, factors, indicators):
    """lavaan's ``std.all`` for every row of the parameter table."""
    fi = {f: i for i, f in enumerate(factors)}
    xi = {x: i for i, x in enumerate(indicators)}
    sd_ov = np.sqrt(np.diag(implied_cov(lam, psi, theta)))
    sd_lv = np.sqrt(np.diag(psi))
    sd_res = np.sqrt(np.abs(np.diag(theta)))
    out = np.empty(len(table))
    for r, (kind, lhs, rhs) in enumerate(zip(table["kind"], table["lhs"], table["rhs"], strict=True)):
        if kind == "loading":
            out[r] = lam[xi[rhs], fi[lhs]] * sd_lv[fi[lhs]] / sd_ov[xi[rhs]]
        elif kind == "residual_variance":
            out[r] = theta[xi[lhs], xi[lhs]] / sd_ov[xi[lhs]] ** 2
        elif kind in ("latent_variance", "latent_covariance"):
            out[r] = psi[fi[lhs], fi[rhs]] / (sd_lv[fi[lhs]] * sd_lv[fi[rhs]])
        else:  # residual covariance: a correlation between residuals (lavaan's cov.std = TRUE)
            out[r] = theta[xi[lhs], xi[rhs]] / (sd_res[xi[lhs]] * sd_res[xi[rhs]])
    return out


def _logdet(a):
    sign, value = np.linalg.slogdet(a)
    return value if sign > 0 else np.nan


def rmsea_ci(chi2, df, n, level=RMSEA_LEVEL):
    """Confidence interval of the RMSEA by inverting the noncentral chi-square.

    The noncentrality lambda solves P(X <= chi2 | df, lambda) = 1 - (1-level)/2
    (lower limit) and = (1-level)/2 (upper limit); the limits are
    sqrt(lambda / (N df)), and 0 when no lambda >= 0 solves the equation
    (lavaan's ``lav_fit_rmsea_ci`` rules; here the root is found to machine
    precision rather than lavaan's uniroot tolerance of about 1e-4).
    """
    if not np.isfinite(chi2):
        return np.nan, np.nan
    if df < 1:
        return 0.0, 0.0
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam):
        return stats.chi2.cdf(chi2, df) if lam == 0 else stats.ncx2.cdf(chi2, df, lam)

    if cdf(0.0) - upper_p < 0:
        low = 0.0
    else:
        lam = optimize.brentq(lambda x: cdf(x) - upper_p, 0.0, chi2, xtol=1e-14, rtol=1e-15)
        low = np.sqrt(lam / (n * df))
    top = max(n, 4 * chi2)
    if cdf(top) - lower_p > 0 or cdf(0.0) - lower_p < 0:
        high = 0.0
    else:
        lam = optimize.brentq(lambda x: cdf(x) - lower_p, 0.0, top, xtol=1e-14, rtol=1e-15)
        high = np.sqrt(lam / (n * df))
    return low, high


def fit_measures(s, sigma, n, n_free):
    """chi2, df, p, baseline, CFI, TLI, RMSEA (+ CI), SRMR, loglik, AIC, BIC as a dict."""
    p = s.shape[0]
    logdet_s = _logdet(s)
    inv = np.linalg.inv(sigma)
    logdet_sigma = _logdet(sigma)
    trace = np.trace(s @ inv)
    fmin = logdet_sigma + trace - logdet_s - p
    chi2 = max(n * fmin, 0.0)
    df = p * (p + 1) // 2 - n_free
    pval = stats.chi2.sf(chi2, df) if df > 0 else np.nan
    chi2_b = n * (np.sum(np.log(np.diag(s))) - logdet_s)
    df_b = p * (p - 1) // 2
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if np.isclose(t1, 0.0, atol=1.5e-8) and np.isclose(t2, 0.0, atol=1.5e-8) else 1 - t1 / t2
    u1, u2 = (chi2 - df) * df_b, (chi2_b - df_b) * df
    tli = 1 - u1 / u2 if (df > 0 and abs(u2) > 0) else 1.0
    rmsea = np.sqrt(max(chi2 / n / df - 1 / n, 0.0)) if df > 0 else 0.0
    low, high = rmsea_ci(chi2, df, n)
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2))
    loglik = -n / 2 * (p * np.log(2 * np.pi) + logdet_sigma + trace)
    return {
        "n": n,
        "n_parameters": n_free,
        "chi2": chi2,
        "df": df,
        "pval": pval,
        "baseline_chi2": chi2_b,
        "baseline_df": df_b,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_low": low,
        "rmsea_ci_high": high,
        "srmr": srmr,
        "loglik": loglik,
        "aic": -2 * loglik + 2 * n_free,
        "bic": -2 * loglik + n_free * np.log(n),
    }
