# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Dyadic coordination
#
# When two people interact, their expressions and movements become coupled: one
# smiles, the other smiles back a moment later. **Windowed lagged
# cross-correlation** measures this: both recordings are cut into short
# windows, and within each window the correlation between the two people's
# signals is taken at every shift up to a maximum lag; the best one and its lag
# describe that moment of the interaction (Boker et al., 2002).
#
# `bitbox_stats.coordination` and `bitbox_stats.imitation` compute the numbers
# of the Bitbox toolbox's functions of the same names (same arguments, windows,
# lags and handling of missing values; Bitbox's own `imitation` raises an error
# in its 2025.10.dev2 release). `coordination_test` and `pseudo_dyad_test`
# answer the question every such analysis must face: is the coupling more than
# two people doing similar things at similar times by chance?
#
# This vignette simulates partners whose smiles follow each other at a known
# lag, recovers that lag, shows the correlation window by window, and separates
# the real dyad from surrogate ones.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import bitbox_stats as bs

pd.set_option("display.width", 120)

# %% [markdown]
# ## Two simulated partners
#
# Partner A's three expression signals come from `simulate_signals` (noise,
# drift and activation bumps of 0.2-3 s). Partner B has signals of their own,
# and B's smile also repeats A's smile **0.4 seconds (12 frames) later**, at
# 80% of its size. B's brow and mouth are unrelated to A's.

# %%
FPS = 30
LAG_FRAMES = 12


def dyad(seed, seconds=180):
    a = bs.simulate_signals(3, seconds=seconds, fps=FPS, rate=0.3, seed=seed)
    a.columns = ["smile", "brow", "mouth"]
    b = bs.simulate_signals(3, seconds=seconds, fps=FPS, rate=0.3, seed=seed + 1000)
    b.columns = ["smile", "brow", "mouth"]
    follows = np.r_[np.zeros(LAG_FRAMES), a["smile"].to_numpy()[:-LAG_FRAMES]]
    b["smile"] = 0.8 * follows + 0.5 * b["smile"]
    return a, b


a, b = dyad(seed=1)
fig, ax = plt.subplots(figsize=(9, 2.5))
t = np.arange(len(a)) / FPS
ax.plot(t, a["smile"], label="A smile")
ax.plot(t, b["smile"], label="B smile", alpha=0.8)
ax.set_xlim(20, 50)
ax.set_xlabel("seconds")
ax.legend(loc="upper right")
fig.tight_layout()

# %% [markdown]
# ## Coordination recovers the lag
#
# `coordination` shifts both partners' windows by up to `lag` seconds and keeps
# the correlation of largest absolute value in each window (`polarity=True`).
# The tidy table has one row per pair of signals; `n_used` counts the windows
# that enter the statistics (windows without variance or with missing values
# are left out, as in Bitbox). With 2-second windows and lags up to 1 second,
# the smile pair stands out with the largest mean correlation and a positive
# mean lag (B, the Y argument, follows A).

# %%
table = bs.coordination(a, b, width=2.0, lag=1.0, fps=FPS, tidy=True)
table.round(3)

# %% [markdown]
# The mean lag (about 0.3 s) is an average over *all* windows, including those
# in which neither partner smiles and the best lag is wherever the noise puts
# it. The windows where the smiles really meet, those with a strong best
# correlation, give the simulated lag itself:

# %%
per_window = bs.coordination(a, b, width=2.0, lag=1.0, fps=FPS, stats=False, tidy=True)
strong = per_window[(per_window.x_signal == "smile") & (per_window.y_signal == "smile")
                    & (per_window["corr"].abs() > 0.8)]
print(f"{len(strong)} windows with |r| > 0.8; median lag {strong.lag_s.median():.3f} s "
      f"(simulated {LAG_FRAMES / FPS:.3f} s)")

# %% [markdown]
# `imitation` keeps X's window in place and searches only Y's past
# (`causality=True`): with B as X and A as Y it asks how B follows A, and the
# lag comes out negative (A's window 0.4 s earlier than B's). Called as Bitbox
# is called, it returns Bitbox's three matrices (signals of X by signals of Y).

# %%
corr_mean, corr_std, corr_lag = bs.imitation(b, a, width=2.0, lag=1.0, fps=FPS)
pd.DataFrame(corr_lag, index=b.columns, columns=a.columns).round(3)

# %% [markdown]
# ## Window by window
#
# With `stats=False` every window's best correlation and lag are returned; the
# tidy form has one row per window and pair, with the window's start in seconds.
# Coupled smiles correlate strongly where either partner smiles, and the lag
# stays near 0.4 s; the unrelated brow pair wanders.

# %%
windows = per_window
fig, axes = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
for (x_sig, y_sig), colour in [(("smile", "smile"), "C0"), (("brow", "brow"), "C3")]:
    w = windows[(windows.x_signal == x_sig) & (windows.y_signal == y_sig) & windows.used]
    axes[0].plot(w.start_s, w["corr"].abs(), colour, label=f"A {x_sig} - B {y_sig}")
    axes[1].plot(w.start_s, w["lag_s"], colour + ".", label=f"A {x_sig} - B {y_sig}")
axes[0].set_ylabel("|best r| in window")
axes[1].set_ylabel("lag (s)")
axes[1].axhline(LAG_FRAMES / FPS, color="grey", lw=0.8, ls="--")
axes[1].set_xlabel("window start (s)")
axes[0].legend(loc="lower right")
fig.tight_layout()

# %% [markdown]
# ## Is it more than chance? Surrogate dyads
#
# The best of many shifted correlations is large even for unrelated signals:
# with 61 x 61 shift combinations per window, chance alone reaches absolute
# correlations of 0.5 or more. The unrelated brow pair above averages well above zero. Whether a
# dyad is coordinated is therefore judged against **surrogate dyads** that keep
# each signal's own dynamics but break the real-time link between the partners
# (Ramseyer & Tschacher, 2010; Moulder et al., 2018).
#
# `coordination_test` cuts B's recording into segments (here 10 s), shuffles
# their order and recomputes the statistic, the mean over windows of the best
# absolute correlation, for each surrogate. The p-value,
# `(1 + #surrogates >= observed) / (1 + n)`, is never 0; with 199 surrogates the
# smallest possible is 0.005.

# %%
test = bs.coordination_test(a, b, method="segments", segment=10.0, n_surrogates=199, width=2.0, lag=1.0,
                            fps=FPS, seed=2020, progress=False)
test.table.round(3)

# %% [markdown]
# The coupled smile pair lies above every surrogate; the other pairs are where
# chance puts them. The same seed gives the same surrogates whether the work
# runs serially, on `n_jobs` processes or on a Dask cluster (`client=`).

# %%
smile = test.null[:, 0, 0]
brow = test.null[:, 1, 1]
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(smile, bins=25, alpha=0.6, label="surrogates: smile - smile")
ax.hist(brow, bins=25, alpha=0.6, label="surrogates: brow - brow")
ax.axvline(test.table.observed[0], color="C0", lw=2, label="observed smile - smile")
ax.axvline(test.table.observed[4], color="C1", lw=2, ls="--", label="observed brow - brow")
ax.set_xlabel("mean |best r| over windows")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Pseudo-dyads across a study
#
# With several dyads, the most conservative null pairs people who never met:
# A of one dyad with B of every other dyad (between-subject shuffling, as rMEA's
# `shuffle`). Everything the task itself imposes on both partners is kept; only
# the interaction is removed. Five simulated dyads give four pseudo-partners
# each, so the smallest p-value is 1/5; `summary()` adds a study row comparing
# the real dyads with all pseudo-dyads (effect size in SDs of the pseudo-dyads).

# %%
study = {f"dyad_{k}": dyad(seed=10 + k, seconds=120) for k in range(5)}
smiles = {name: (ab[0][["smile"]], ab[1][["smile"]]) for name, ab in study.items()}
pseudo = bs.pseudo_dyad_test(smiles, width=2.0, lag=1.0, fps=FPS, progress=False)
pseudo.summary().round(3)

# %% [markdown]
# ## From R
#
# The same functions are in the R package (`coordination`, `imitation`,
# `coordination_test`, `pseudo_dyad_test`), returning data.frames, or Bitbox's
# matrices with `tidy = FALSE`.
#
# ## References
#
# 1. Boker, S. M., Rotondo, J. L., Xu, M., King, K. (2002). Windowed
#    cross-correlation and peak picking for the analysis of variability in the
#    association between behavioral time series. *Psychological Methods*, 7(3),
#    338-355.
# 2. Ramseyer, F., Tschacher, W. (2010). Nonverbal synchrony or random
#    coincidence? How to tell the difference. In *Development of Multimodal
#    Interfaces: Active Listening and Synchrony* (pp. 182-196). Springer.
# 3. Moulder, R. G., Boker, S. M., Ramseyer, F., Tschacher, W. (2018).
#    Determining synchrony between behavioral time series: An application of
#    surrogate data generation for establishing falsifiable null-hypotheses.
#    *Psychological Methods*, 23(4), 757-773.
# 4. Kleinbub, J. R., Ramseyer, F. T. (2021). rMEA: An R package to assess
#    nonverbal synchronization in motion energy analysis time-series.
#    *Psychotherapy Research*, 31(6), 817-830.
