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
# # Expressivity across temporal scales
#
# A face tracker gives one time series per expression coefficient or action unit.
# **Expressivity** summarises how often, how strongly and over what range each of
# those signals activates: the number of activation peaks (`frequency`), their total
# height per frame (`density`), and the mean, standard deviation, minimum and
# maximum of the signal at its peaks. `bitbox_stats.expressivity` computes the
# numbers of the Bitbox toolbox's `expressivity` (same arguments, same results),
# for plain arrays, DataFrames and OpenFace columns, and fast enough for hours of
# video.
#
# This vignette shows what the temporal scales mean, how the peaks are found, how
# to choose scales, and the difference between per-scale and aggregated
# statistics, first on simulated signals, then on real OpenFace output, and last on
# the exports of other trackers (iMotions' FACET and Noldus FaceReader).

# %%
# %matplotlib inline
import pandas as pd

import bitbox_stats as bs

pd.set_option("display.width", 120)

# %% [markdown]
# ## A simulated signal set
#
# `simulate_signals` makes expression-like signals: noise and slow drift plus
# activation bumps of 0.2 to 3 seconds. Ten signals of two minutes at 30 frames
# per second:

# %%
signals = bs.simulate_signals(10, seconds=120, fps=30, seed=7)
signals.iloc[:5, :5].round(3)

# %% [markdown]
# ## Peaks of the signal itself
#
# Without scales (`scales=None`, the default) every strict local maximum of the
# positive part of the (centred, lightly smoothed) signal is an activation. The
# result is Bitbox's: a list with one DataFrame per signal.

# %%
per_signal = bs.expressivity(signals, fps=30)
per_signal[0]

# %% [markdown]
# `tidy=True` gives the same numbers as one long table, which is easier to filter,
# plot and hand to R:

# %%
raw = bs.expressivity(signals, fps=30, tidy=True)
raw[["signal", "level", "frequency", "density", "mean", "max"]].head()

# %% [markdown]
# ## What a temporal scale means
#
# A scale is the approximate duration of an expression event. For a duration
# $d$ seconds the signal is decomposed with the Mexican-hat continuous wavelet
# transform at wavelet scale $f_{ps}\,d/4$; peaks of that decomposition are
# activations that unfold over about $d$ seconds. Short scales (0.1-0.5 s) pick
# up brief twitches, long ones (1-4 s) slow, sustained changes. `scales=6` uses
# six durations evenly spaced from 0.1 to 4 seconds:

# %%
bs.scale_durations(6)

# %% [markdown]
# The figure shows one signal (top, with its aggregated peaks), and below it the
# decomposition at each scale with that scale's peaks: many small peaks at 0.1 s,
# a few broad ones at 4 s.

# %%
fig = bs.plot_peaks(signals["exp_03"], scales=6, fps=30)
fig

# %% [markdown]
# ## Statistics per scale
#
# The statistics always use the *original* signal's values at the peak frames, so
# `mean` and `max` stay in the signal's units at every scale; what changes is which
# frames count as activations.

# %%
multi = bs.expressivity(signals, scales=6, fps=30, tidy=True)
multi.pivot_table(index="scale", values=["frequency", "mean", "density"], aggfunc="mean").round(4)

# %% [markdown]
# ## Choosing scales
#
# Choose scales from the events you care about: micro-expressions and blinks call
# for 0.1-0.5 s, a smile that builds and fades for 1-3 s. When in doubt, compute
# several scales and look at where the counts settle: here the number of peaks
# per minute drops steeply from 0.1 s to about 1.5 s and then flattens, which says
# that the slow activations (of 0.2-3 s, as simulated) dominate from there on.
# Explicit durations are given as a list (or a tuple or array):

# %%
chosen = bs.expressivity(signals, scales=[0.25, 0.5, 1.0, 2.0], fps=30, tidy=True)
(chosen.groupby("scale")["frequency"].mean() / 2).rename("peaks per minute").round(1)

# %% [markdown]
# The frame rate matters: scales are in seconds, and `fps` converts them to frames.
# A largest scale that is not shorter than the signal is an error that says both
# lengths:

# %%
try:
    bs.expressivity(signals.iloc[:90], scales=6, fps=30)
except ValueError as err:
    print(err)

# %% [markdown]
# ## Aggregate or per scale?
#
# `aggregate=True` merges the peaks of all scales into one row per signal (labelled
# like Bitbox's `Agg 0.1-4.0`). Each scale's coefficients are scored robustly
# (median and MAD), peaks that are the strongest in their neighbourhood of scales
# and time are candidates, and in order of strength a candidate is kept only if no
# stronger one lies within the window of the smallest scale. One activation seen at
# several scales is then counted once. Use the aggregate for one overall number per
# signal (for instance a covariate), the per-scale rows to see *where* in the
# temporal spectrum a face is active.

# %%
agg = bs.expressivity(signals, scales=6, aggregate=True, fps=30, tidy=True)
agg[["signal", "level", "scale_min", "scale_max", "frequency", "mean", "std"]].head()

# %% [markdown]
# `diversity` tells how evenly the activity is spread across the signals (1: all
# signals equally active; 0: one signal carries everything):

# %%
bs.diversity(signals, scales=[0.5, 1.0, 2.0], fps=30, tidy=True).round(3)

# %% [markdown]
# ## Real OpenFace output
#
# The package ships 100 frames of real OpenFace 2.0 output. `read_openface` keeps
# every frame and marks poorly tracked ones invalid; the 17 action-unit intensities
# (`AUxx_r`) are expression signals like any other. The clip is short (3.3 s at 30
# fps), so we use scales up to one second.

# %%
frames = bs.read_openface(bs.example_file())
aus = frames[[c for c in frames.columns if c.startswith("AU") and c.endswith("_r")]]
print(f"{len(frames)} frames, {int(frames['valid'].sum())} valid")
au_expr = bs.expressivity(aus, scales=[0.2, 0.5, 1.0], fps=30, tidy=True)
au_expr.sort_values(["scale", "density"], ascending=[True, False]).groupby("scale").head(3)[
    ["signal", "scale", "frequency", "density", "max"]
]

# %% [markdown]
# Invalid frames have missing measurements; `nan_policy="interpolate"` fills them
# linearly (and counts them in `n_missing`) instead of stopping with an error.

# %%
strict = bs.read_openface(bs.example_file(), confidence=0.9)
filled = bs.expressivity(strict[["AU04_r", "AU05_r"]], scales=[0.5], fps=30, tidy=True,
                         nan_policy="interpolate")
filled[["signal", "frequency", "n_frames", "n_missing"]]

# %% [markdown]
# ## Other trackers: iMotions (Emotient FACET) and FaceReader
#
# Expressivity applies to any tracker's action units or blendshapes.
# `read_frames` reads the exports of FaceReader, iMotions (FACET), py-feat and
# Live Link Face (ARKit) into the same frames table as `read_openface`, and
# records the frame rate the file states or implies in `attrs["fps"]`;
# `expressivity` and `diversity` take it from there, and `signals=` chooses the
# columns (names or patterns such as `"AU*_evidence"`).
#
# The package ships a real iMotions 6 export of Emotient FACET (519 frames at
# 29.97 fps). FACET reports *evidence*, a log-odds score for each action unit,
# not an intensity; the peaks of the evidence are the moments FACET was most
# sure the unit was active. FACET found no face in 215 frames: their values are
# missing and filled by interpolation here.

# %%
facet = bs.read_frames(bs.example_file("iMotions_Test_v6.txt"))
print(facet.attrs["format"], f"{facet.attrs['fps']:.2f} fps,", facet.attrs["n_invalid"], "frames without a face")
facet_expr = bs.expressivity(facet, signals="AU*_evidence", scales=[0.5, 1.0, 2.0], tidy=True,
                             nan_policy="interpolate")
facet_expr.sort_values(["scale", "frequency"], ascending=[True, False]).groupby("scale").head(3)[
    ["signal", "scale", "frequency", "mean", "max", "n_missing"]
]

# %% [markdown]
# The diversity of the action units' activity at the same scales:

# %%
bs.diversity(facet, signals="AU*_evidence", scales=[0.5, 1.0, 2.0], tidy=True, nan_policy="interpolate").round(3)

# %% [markdown]
# Noldus FaceReader's "Video analysis detailed log", exported as text, holds the
# frame rate in its header lines and codes action units as FACS intensity letters
# (`NotActive`, `A` to `E`), which become `AUxx_r` from 0 to 5; frames FaceReader
# could not fit (`FIT_FAILED`, `FIND_FAILED`) are invalid. A short log written as
# FaceReader writes it (with old-Mac line ends), read and summarised:

# %%
import io

import numpy as np

rng = np.random.default_rng(3)
n = 250  # 10 s at 25 fps
smile = np.clip(np.round(4 * np.exp(-0.5 * ((np.arange(n) - np.array([[60], [170]])) / 12) ** 2).sum(0)
                         + rng.normal(0, 0.3, n)), 0, 5).astype(int)
letters = ["NotActive", "A", "B", "C", "D", "E"]
rows = ["Video analysis detailed log", "", "Face Model:\tGeneral", "Calibration:\tNone",
        "Start time:\t3-2-2024 10:12:01", "Filename:\tP07.avi", "Frame rate:\t25", "",
        "Video Time\tHappy\tAction Unit 06 - Cheek Raiser\tAction Unit 12 - Lip Corner Puller"]
for i in range(n):
    t = f"00:00:{i / 25:06.3f}"
    if i in (100, 101):
        rows.append(t + "\tFIT_FAILED" * 3)
    else:
        rows.append(f"{t}\t{smile[i] / 5:.4f}\t{letters[max(smile[i] - 1, 0)]}\t{letters[smile[i]]}")
log = io.BytesIO("\r".join(rows).encode())
fr = bs.read_frames(log)
print(fr.attrs["format"], fr.attrs["fps"], "fps,", fr.attrs["n_fit_failed"], "frames FaceReader could not fit")
bs.expressivity(fr, signals=["AU06_r", "AU12_r"], scales=[0.5, 1.0], tidy=True, nan_policy="interpolate")[
    ["signal", "scale", "frequency", "mean", "max"]
]
