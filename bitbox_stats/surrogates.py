"""Is a dyad's coordination more than chance? Surrogate tests against pseudo-synchrony.

Two people's signals can correlate by chance: both smile at the same joke,
both are still during a pause. The standard check in dyadic synchrony
research compares the observed coordination with that of surrogate dyads in
which the real-time link is broken but each signal keeps its own dynamics:
one partner's recording cut into segments and shuffled, or circularly
shifted (:func:`coordination_test`), or partners who never interacted paired
across a study's dyads (:func:`pseudo_dyad_test`). Surrogates are drawn from
``seed`` before any work starts, so the results are the same serially, on
``n_jobs`` processes or on a Dask cluster.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_choice, check_int, check_n_jobs, check_positive, check_rng
from .coordination import Windows, _check_bool, _signals, _spec, windowed_correlation

__all__ = ["PseudoDyadTest", "SurrogateTest", "coordination_test", "pseudo_dyad_test"]

_MEASURES = ("coordination", "imitation")
_METHODS = ("segments", "shift")


# ------------------------------------------------------------------ results


def _repr_overall(name, overall: pd.DataFrame) -> str:
    o = overall.iloc[0]
    return (f"{name}({o['measure']}, {o['method']}, {int(o['n_null'])} surrogates: observed "
            f"{o['observed']:.3f} vs {o['null_mean']:.3f}, p = {o['p_value']:.3g})")


@dataclass(frozen=True, repr=False, eq=False)
class SurrogateTest:
    """Result of :func:`coordination_test`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per signal pair (see :func:`coordination_test`).
    overall : pandas.DataFrame
        One row: the same columns for the mean over pairs.
    null : numpy.ndarray
        The surrogates' statistics, shape ``(n_surrogates, signals of X,
        signals of Y)``; NaN where a surrogate had no window that counts.
    null_overall : numpy.ndarray
        The surrogates' mean over pairs, shape ``(n_surrogates,)``.
    surrogates : numpy.ndarray
        What each surrogate was: circular shifts in frames ``(n_surrogates,)``
        or segment orders ``(n_surrogates, n_segments)``.
    """

    table: pd.DataFrame
    overall: pd.DataFrame
    null: np.ndarray
    null_overall: np.ndarray
    surrogates: np.ndarray

    def summary(self) -> pd.DataFrame:
        """The test for the mean over signal pairs.

        Returns
        -------
        pandas.DataFrame
            A copy of ``overall``: one row with ``measure``, ``method``,
            ``observed``, ``null_mean``, ``null_sd``, ``effect_size``,
            ``percentile``, ``p_value`` and ``n_null``.
        """
        return self.overall.copy()

    def __repr__(self) -> str:
        return _repr_overall("SurrogateTest", self.overall)


@dataclass(frozen=True, repr=False, eq=False)
class PseudoDyadTest:
    """Result of :func:`pseudo_dyad_test`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per dyad and signal pair (see :func:`pseudo_dyad_test`).
    overall : pandas.DataFrame
        One row per dyad: the same columns for the mean over pairs.
    null : numpy.ndarray
        The pseudo-dyads' statistics, shape ``(pseudo-dyads, signals of X,
        signals of Y)``, in the order of ``pseudo_dyads``.
    pseudo_dyads : pandas.DataFrame
        ``dyad`` (whose X) and ``partner`` (whose Y) of each pseudo-dyad, and
        ``statistic`` (its mean over pairs).
    """

    table: pd.DataFrame
    overall: pd.DataFrame
    null: np.ndarray
    pseudo_dyads: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Each dyad against its pseudo-dyads, and the study's dyads against all of them.

        Returns
        -------
        pandas.DataFrame
            One row per dyad (from ``overall``) and a last row ``dyad='all'``
            comparing the mean of the dyads' statistics with all pseudo-dyads,
            with ``dyad``, ``observed``, ``null_mean``, ``null_sd``,
            ``effect_size`` and ``n_null``.
        """
        study = _compare(np.array([self.overall["observed"].mean()]),
                         self.pseudo_dyads["statistic"].to_numpy()[:, None])
        row = {"dyad": "all", **{k: v[0] for k, v in study.items()}}
        keep = ["dyad", "observed", "null_mean", "null_sd", "effect_size", "n_null"]
        last = pd.DataFrame([{k: row[k] for k in keep}])
        return pd.concat([self.overall[keep], last], ignore_index=True)

    def __repr__(self) -> str:
        n = len(self.overall)
        sig = int((self.overall["p_value"] < 0.05).sum())
        return (f"PseudoDyadTest({n} dyads, {len(self.pseudo_dyads)} pseudo-dyads: mean observed "
                f"{self.overall['observed'].mean():.3f} vs {self.pseudo_dyads['statistic'].mean():.3f}; "
                f"{sig} of {n} dyads with p < 0.05)")


# ------------------------------------------------------------------ the statistic


def _statistic(x, y, spec: Windows, threads):
    """Mean over the windows that count of |r| (polarity) or r: (nx, ny)."""
    moments = windowed_correlation(x, y, spec, keep_windows=False, threads=threads)
    mean, _, _, abs_mean, _ = moments.result(1.0)
    return abs_mean if spec.polarity else mean


def _pair_mean(stat: np.ndarray) -> np.ndarray:
    """Mean over pairs of the last two axes, ignoring pairs without a value."""
    flat = stat.reshape(*stat.shape[:-2], -1)
    ok = np.isfinite(flat)
    n = ok.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(ok, flat, 0.0).sum(axis=-1) / n, np.nan)


def _compare(observed: np.ndarray, null: np.ndarray) -> dict:
    """Percentile, p-value and effect size of ``observed`` (k,) against ``null`` (n, k)."""
    ok = np.isfinite(null)
    n = ok.sum(axis=0)
    obs = observed[None, :]
    below = (ok & (null < obs)).sum(axis=0)
    ties = (ok & (null == obs)).sum(axis=0)
    at_least = (ok & (null >= obs)).sum(axis=0)
    vals = np.where(ok, null, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, vals.sum(axis=0) / n, np.nan)
        var = np.where(n > 1, (np.where(ok, null - mean, 0.0) ** 2).sum(axis=0) / (n - 1), np.nan)
        sd = np.sqrt(var)
        good = np.isfinite(observed) & (n > 0)
        percentile = np.where(good, 100.0 * (below + 0.5 * ties) / n, np.nan)
        p_value = np.where(good, (1.0 + at_least) / (1.0 + n), np.nan)
        effect = np.where(good & (sd > 0), (observed - mean) / sd, np.nan)
    return {"observed": observed, "null_mean": mean, "null_sd": sd, "effect_size": effect,
            "percentile": percentile, "p_value": p_value, "n_null": n.astype(np.int64)}


# ------------------------------------------------------------------ running the work


def _want_progress(progress) -> bool:
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None, got {progress!r}")
    return progress


def _map(fn, tasks, *, n_jobs, client, progress, desc):
    """``[fn(*t) for t in tasks]`` serially, on processes or on Dask; results in task order."""
    from tqdm import tqdm

    results = [None] * len(tasks)
    bar = tqdm(total=len(tasks), disable=not progress, desc=desc, unit="task", file=sys.stderr)
    try:
        if client is not None:
            _map_dask(fn, tasks, client, results, bar)
        elif n_jobs == 1 or len(tasks) == 1:
            for i, t in enumerate(tasks):
                results[i] = fn(*t)
                bar.update(1)
        else:
            ctx = multiprocessing.get_context()
            with ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), mp_context=ctx) as ex:
                futures = [ex.submit(fn, *t) for t in tasks]
                try:
                    for i, fut in enumerate(futures):
                        results[i] = fut.result()
                        bar.update(1)
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
    finally:
        bar.close()
    return results


def _map_dask(fn, tasks, client, results, bar):
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is installed in development
        raise ImportError("client= needs dask.distributed; install bitbox-stats[dask]") from None
    own = isinstance(client, str)
    if own:
        client = Client(client)
    elif not isinstance(client, Client):
        raise TypeError(f"client must be a dask.distributed.Client or a scheduler address, "
                        f"got {type(client).__name__}")
    try:
        futures = [client.submit(fn, *t, pure=False) for t in tasks]
        try:
            for i, fut in enumerate(futures):
                results[i] = fut.result()
                fut.release()
                bar.update(1)
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        if own:
            client.close()


def _worker_threads(n_jobs, client) -> int | None:
    """Threads inside one task: all cores serially; one per process otherwise."""
    return None if (client is None and n_jobs == 1) else 1


def _shift_task(x, y, spec, shifts, threads):
    return np.stack([_statistic(x, np.roll(y, int(k), axis=0), spec, threads) for k in shifts])


def _segment_task(x, y, spec, orders, seg, threads):
    pieces = [y[i * seg : (i + 1) * seg] for i in range(-(-y.shape[0] // seg))]
    return np.stack([_statistic(x, np.concatenate([pieces[j] for j in order]), spec, threads)
                     for order in orders])


def _pair_task(x, y, spec, threads):
    T = min(x.shape[0], y.shape[0])
    return _statistic(x[:T], y[:T], spec, threads)


def _chunks(n, n_jobs, client):
    """Surrogates per task: a few tasks per worker, so that progress shows and work balances."""
    workers = 1 if (client is None and n_jobs == 1) else max(n_jobs, 4)
    return max(1, math.ceil(n / (4 * workers)))


# ------------------------------------------------------------------ public functions


def _measure_mode(measure, causality):
    check_choice("measure", measure, _MEASURES)
    if measure == "coordination":
        return "two"
    return "causal" if _check_bool("causality", causality) else "one"


def _check_parallel(n_jobs, client):
    n_jobs = check_n_jobs(n_jobs)
    if client is not None and n_jobs != 1:
        raise ValueError("give either client (Dask) or n_jobs (local processes), not both")
    return n_jobs


def _segment_frames(segment, fps, n_frames, spec: Windows) -> int:
    shortest = spec.width + 2 * spec.lag
    if segment is None:
        seg = max(shortest, min(int(round(30 * fps)), -(-n_frames // 10)))
    else:
        seg = int(round(check_positive("segment", segment) * fps))
        if seg < shortest:
            raise ValueError(f"segment must hold a window with its lags ({shortest} frames = "
                             f"{shortest / fps:g} s), got {segment} s = {seg} frames")
    if -(-n_frames // seg) < 2:
        raise ValueError(f"segment ({seg} frames) must split the {n_frames} frames into at least 2 segments")
    return seg


def _draw_orders(rng, n_seg, n):
    orders = np.empty((n, n_seg), dtype=np.int64)
    identity = np.arange(n_seg)
    for i in range(n):
        order = rng.permutation(n_seg)
        while np.array_equal(order, identity):
            order = rng.permutation(n_seg)
        orders[i] = order
    return orders


def _draw_shifts(rng, n_frames, min_shift, fps, spec: Windows, n):
    shortest = spec.width + 2 * spec.lag
    m = shortest if min_shift is None else int(round(check_positive("min_shift", min_shift) * fps))
    if n_frames - 2 * m < 0:
        raise ValueError(f"the recording ({n_frames} frames) is too short for circular shifts of at least "
                         f"{m} frames each way; give a smaller min_shift")
    return rng.integers(m, n_frames - m, size=n, endpoint=True)


def _frame_rows(table_keys: dict, res: dict) -> pd.DataFrame:
    out = pd.DataFrame(table_keys)
    for k, v in res.items():
        out[k] = v
    return out


def coordination_test(X, Y, *, method="segments", n_surrogates=1000, segment=None, min_shift=None,
                      measure="coordination", width=0.5, lag=None, step=None, fps=30, polarity=True,
                      angular=True, causality=True, type=None, dimension=None,  # noqa: A002
                      seed=None, n_jobs=1, client=None, progress=None) -> SurrogateTest:
    """Coordination (or imitation) of a dyad against surrogate dyads without a real-time link.

    Y's recording is cut into segments that are put in a random order
    (``method="segments"``, Ramseyer & Tschacher's segment shuffling) or
    circularly shifted by a random offset (``"shift"``); X stays as it is.
    Each surrogate keeps both signals' own dynamics but not their timing
    relative to each other. The observed coordination is placed in the
    distribution of the surrogates'.

    Parameters
    ----------
    X, Y : dict, array_like or pandas.DataFrame
        The partners' signals, as in :func:`bitbox_stats.coordination`.
    method : {"segments", "shift"}, default "segments"
        How surrogates are made from Y.
    n_surrogates : int, default 1000
        Number of surrogates (at least 1).
    segment : float, optional
        Segment length in seconds for ``"segments"``: default 30 s, or a
        tenth of the recording when that is shorter, and never shorter than
        a window with its lags. The last segment may be shorter.
    min_shift : float, optional
        Smallest circular shift in seconds either way for ``"shift"``
        (default: a window with its lags, so no window meets its original
        partner at any lag).
    measure : {"coordination", "imitation"}, default "coordination"
        Which windowed correlation: :func:`bitbox_stats.coordination` or
        :func:`bitbox_stats.imitation` (with ``causality``).
    width, lag, step, fps, polarity, angular, causality, type, dimension
        As in :func:`bitbox_stats.coordination` and
        :func:`bitbox_stats.imitation`.
    seed : int or numpy.random.Generator, optional
        Seed of the surrogates.
    n_jobs : int, default 1
        Local worker processes (-1: one per core). With 1, each surrogate
        uses all cores.
    client : dask.distributed.Client or str, optional
        Run on this Dask cluster (or the scheduler at this address).
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Returns
    -------
    SurrogateTest
        ``table``: one row per signal pair with ``x_signal``, ``y_signal``,
        ``observed`` (the statistic, see Notes), ``null_mean``, ``null_sd``
        (ddof 1) of the surrogates' statistic, ``effect_size``
        (``(observed - null_mean) / null_sd``), ``percentile`` (of the
        observed value among the surrogates, ties counted half), ``p_value``
        (see Notes) and ``n_null`` (surrogates with a value). ``overall``:
        one row with ``measure``, ``method`` and the same columns for the
        mean of the statistic over pairs. ``null``, ``null_overall`` and
        ``surrogates`` hold the surrogates themselves.

    Notes
    -----
    The statistic of a signal pair is the mean over windows of the best
    windowed correlation (its absolute value with ``polarity=True``), over
    the windows that count in :func:`bitbox_stats.coordination`'s
    statistics. With :math:`n` surrogate values :math:`s_k` and observed
    value :math:`o`, the one-sided p-value is
    :math:`(1 + \\#\\{s_k \\ge o\\}) / (1 + n)`, never 0 (Phipson & Smyth),
    and the percentile :math:`100\\,(\\#\\{s_k < o\\} + \\#\\{s_k = o\\}/2) / n`.
    Segment orders other than the original are drawn uniformly (with
    replacement across surrogates); shifts are uniform integers in
    :math:`[m, T - m]` frames.

    References
    ----------
    1. Ramseyer, F., Tschacher, W. (2010). Nonverbal synchrony or random
       coincidence? How to tell the difference. In A. Esposito et al. (Eds.),
       Development of Multimodal Interfaces: Active Listening and Synchrony
       (pp. 182-196). Springer.
    2. Moulder, R. G., Boker, S. M., Ramseyer, F., Tschacher, W. (2018).
       Determining synchrony between behavioral time series: An application
       of surrogate data generation for establishing falsifiable
       null-hypotheses. Psychological Methods, 23(4), 757-773.
    3. Kleinbub, J. R., Ramseyer, F. T. (2021). rMEA: An R package to assess
       nonverbal synchronization in motion energy analysis time-series.
       Psychotherapy Research, 31(6), 817-830.
    4. Phipson, B., Smyth, G. K. (2010). Permutation p-values should never be
       zero. Statistical Applications in Genetics and Molecular Biology,
       9(1), 39.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.convolve(rng.normal(size=1800), np.ones(9) / 9, "same")[:, None]
    >>> y = np.roll(x, 6, axis=0) + 0.05 * rng.normal(size=(1800, 1))   # Y follows X by 0.2 s
    >>> res = coordination_test(x, y, n_surrogates=99, width=2.0, lag=0.5, seed=1, progress=False)
    >>> res.table[["observed", "p_value"]].round(3)
       observed  p_value
    0     0.988     0.01
    """
    n_surrogates = check_int("n_surrogates", n_surrogates, minimum=1)
    check_choice("method", method, _METHODS)
    mode = _measure_mode(measure, causality)
    n_jobs = _check_parallel(n_jobs, client)
    show = _want_progress(progress)
    rng = check_rng(seed)
    x, y, xn, yn = _signals(X, Y, angular, type, dimension, stacklevel=3)
    spec, fps = _spec(width, lag, step, fps, mode, polarity, x.shape[0])
    T = x.shape[0]
    threads = _worker_threads(n_jobs, client)
    observed = _statistic(x, y, spec, None)
    per = _chunks(n_surrogates, n_jobs, client)
    if method == "shift":
        surr = _draw_shifts(rng, T, min_shift, fps, spec, n_surrogates)
        tasks = [(x, y, spec, surr[i : i + per], threads) for i in range(0, n_surrogates, per)]
        parts = _map(_shift_task, tasks, n_jobs=n_jobs, client=client, progress=show, desc="surrogates")
    else:
        seg = _segment_frames(segment, fps, T, spec)
        surr = _draw_orders(rng, -(-T // seg), n_surrogates)
        tasks = [(x, y, spec, surr[i : i + per], seg, threads) for i in range(0, n_surrogates, per)]
        parts = _map(_segment_task, tasks, n_jobs=n_jobs, client=client, progress=show, desc="surrogates")
    null = np.concatenate(parts)
    null_overall = _pair_mean(null)
    nx, ny = len(xn), len(yn)
    table = _frame_rows({"x_signal": np.repeat(np.asarray(xn, dtype=object), ny).astype(str),
                         "y_signal": np.tile(np.asarray(yn, dtype=object), nx).astype(str)},
                        _compare(observed.ravel(), null.reshape(n_surrogates, -1)))
    overall = _frame_rows({"measure": [measure], "method": [method]},
                          _compare(np.array([_pair_mean(observed)]), null_overall[:, None]))
    return SurrogateTest(table=table, overall=overall, null=null, null_overall=null_overall, surrogates=surr)


def _read_dyads(dyads):
    if isinstance(dyads, dict):
        names, pairs = [str(k) for k in dyads], list(dyads.values())
    elif isinstance(dyads, list | tuple):
        names, pairs = [f"dyad_{i}" for i in range(len(dyads))], list(dyads)
    else:
        raise TypeError(f"dyads must be a list of (X, Y) pairs or a dict of them, got {type(dyads).__name__}")
    if len(pairs) < 2:
        raise ValueError(f"dyads: pseudo-dyads need at least 2 dyads, got {len(pairs)}")
    for name, p in zip(names, pairs, strict=True):
        if not isinstance(p, list | tuple) or len(p) != 2:
            raise TypeError(f"dyads: {name!r} must be a pair (X, Y)")
    return names, pairs


def pseudo_dyad_test(dyads, *, n_pseudo=None, measure="coordination", width=0.5, lag=None, step=None,
                     fps=30, polarity=True, angular=True, causality=True, type=None,  # noqa: A002
                     dimension=None, seed=None, n_jobs=1, client=None, progress=None) -> PseudoDyadTest:
    """Each dyad's coordination against pseudo-dyads of people who never interacted.

    For every dyad, X is paired with the Y of each other dyad of the study
    (between-subject shuffling, as in rMEA's ``shuffle``); the real dyad's
    coordination is placed in the distribution of those pseudo-dyads'. This
    keeps everything two people in the task share (the task's timing, what
    people typically do in it) and removes only their interaction.

    Parameters
    ----------
    dyads : list of (X, Y) or dict of (X, Y)
        The study's dyads (dict keys name them; a list gives ``dyad_0``,
        ``dyad_1``...); each X and Y as in :func:`bitbox_stats.coordination`,
        with the same signals in every dyad. A pseudo-dyad uses the frames
        common to both recordings.
    n_pseudo : int, optional
        Pseudo-dyads per dyad: by default all other dyads' Y; a number draws
        that many of them (without replacement, with ``seed``).
    measure, width, lag, step, fps, polarity, angular, causality, type, dimension
        As in :func:`coordination_test`.
    seed : int or numpy.random.Generator, optional
        Seed for drawing ``n_pseudo`` partners.
    n_jobs, client, progress
        As in :func:`coordination_test`.

    Returns
    -------
    PseudoDyadTest
        ``table``: one row per dyad and signal pair with ``dyad`` and the
        columns of :func:`coordination_test`'s table. ``overall``: one row
        per dyad for the mean over pairs. ``pseudo_dyads`` lists the
        pseudo-dyads (``dyad``, ``partner``, ``statistic``); ``summary()``
        adds a study row comparing the dyads' mean with all pseudo-dyads.

    Notes
    -----
    The statistic, percentile and p-value are those of
    :func:`coordination_test`, with the pseudo-dyads as the null
    distribution (at most one fewer than the number of dyads, so the
    smallest possible p-value is :math:`1 / D` for :math:`D` dyads).

    References
    ----------
    1. Kleinbub, J. R., Ramseyer, F. T. (2021). rMEA: An R package to assess
       nonverbal synchronization in motion energy analysis time-series.
       Psychotherapy Research, 31(6), 817-830.
    2. Bernieri, F. J., Reznick, J. S., Rosenthal, R. (1988). Synchrony,
       pseudosynchrony, and dissynchrony: Measuring the entrainment process
       in mother-infant interactions. Journal of Personality and Social
       Psychology, 54(2), 243-253.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> def dyad():
    ...     x = np.convolve(rng.normal(size=900), np.ones(9) / 9, "same")[:, None]
    ...     return x, np.roll(x, 6, axis=0) + 0.05 * rng.normal(size=(900, 1))
    >>> res = pseudo_dyad_test([dyad() for _ in range(5)], width=2.0, lag=0.5, progress=False)
    >>> res.overall[["dyad", "observed", "null_mean", "p_value"]].round(2)
         dyad  observed  null_mean  p_value
    0  dyad_0      0.99       0.66      0.2
    1  dyad_1      0.99       0.65      0.2
    2  dyad_2      0.99       0.65      0.2
    3  dyad_3      0.99       0.64      0.2
    4  dyad_4      0.99       0.66      0.2
    """
    names, pairs = _read_dyads(dyads)
    mode = _measure_mode(measure, causality)
    n_jobs = _check_parallel(n_jobs, client)
    show = _want_progress(progress)
    rng = check_rng(seed)
    D = len(pairs)
    if n_pseudo is not None:
        n_pseudo = check_int("n_pseudo", n_pseudo, minimum=1)
        if n_pseudo > D - 1:
            raise ValueError(f"n_pseudo must be at most {D - 1} (the other dyads), got {n_pseudo}")
    xs, ys = [], []
    shape = None
    for name, (X, Y) in zip(names, pairs, strict=True):
        x, y, xn, yn = _signals(X, Y, angular, type, dimension, stacklevel=3)
        if shape is None:
            shape, xnames, ynames = (x.shape[1], y.shape[1]), xn, yn
        elif (x.shape[1], y.shape[1]) != shape:
            raise ValueError(f"dyads: {name!r} has {x.shape[1]} x {y.shape[1]} signals, the first dyad "
                             f"{shape[0]} x {shape[1]}; every dyad needs the same signals")
        xs.append(x)
        ys.append(y)
    shortest = min(min(x.shape[0] for x in xs), min(y.shape[0] for y in ys))
    spec, fps = _spec(width, lag, step, fps, mode, polarity, shortest)
    partners = []
    for a in range(D):
        others = [b for b in range(D) if b != a]
        if n_pseudo is not None:
            others = sorted(rng.choice(others, size=n_pseudo, replace=False).tolist())
        partners.append(others)
    threads = _worker_threads(n_jobs, client)
    jobs = [(a, a) for a in range(D)] + [(a, b) for a in range(D) for b in partners[a]]
    tasks = [(xs[a], ys[b], spec, threads) for a, b in jobs]
    stats = _map(_pair_task, tasks, n_jobs=n_jobs, client=client, progress=show, desc="dyads")
    observed = np.stack(stats[:D])
    null = np.stack(stats[D:]) if len(stats) > D else np.empty((0, *shape))
    pseudo = pd.DataFrame({"dyad": [names[a] for a, _ in jobs[D:]],
                           "partner": [names[b] for _, b in jobs[D:]],
                           "statistic": _pair_mean(null)})
    nx, ny = shape
    rows, overall = [], []
    start = 0
    for a in range(D):
        k = len(partners[a])
        nul = null[start : start + k]
        start += k
        res = _compare(observed[a].ravel(), nul.reshape(k, -1))
        rows.append(_frame_rows({"dyad": [names[a]] * (nx * ny),
                                 "x_signal": np.repeat(np.asarray(xnames, dtype=object), ny).astype(str),
                                 "y_signal": np.tile(np.asarray(ynames, dtype=object), nx).astype(str)}, res))
        o = _compare(np.array([_pair_mean(observed[a])]), _pair_mean(nul)[:, None])
        overall.append(_frame_rows({"dyad": [names[a]]}, o))
    table = pd.concat(rows, ignore_index=True)
    overall_t = pd.concat(overall, ignore_index=True)
    return PseudoDyadTest(table=table, overall=overall_t, null=null, pseudo_dyads=pseudo)
