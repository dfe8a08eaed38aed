"""Simulated data with a known truth: expression signals, and (later) whole studies."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ._validation import check_int, check_positive, check_rng

__all__ = ["SimulatedStudy", "simulate_signals", "simulate_study", "write_study"]


def simulate_signals(n_signals=10, seconds=120.0, fps=30, *, rate=0.2, noise=0.05,
                     min_duration=0.2, max_duration=3.0, seed=None) -> pd.DataFrame:
    """Expression-like signals: slow drift and noise plus activation bumps.

    Parameters
    ----------
    n_signals : int, default 10
        Number of signals (columns), named ``exp_00``, ``exp_01``, ...
    seconds : float, default 120
        Length of each signal in seconds.
    fps : float, default 30
        Frame rate.
    rate : float, default 0.2
        Mean number of activations per second per signal (Poisson).
    noise : float, default 0.05
        Standard deviation of the white measurement noise.
    min_duration, max_duration : float
        Activation durations (seconds, start to end) are uniform in this range.
    seed : int or numpy.random.Generator, optional
        Seed for reproducible output.

    Returns
    -------
    pandas.DataFrame
        ``round(seconds * fps)`` rows (frames) and one float column per signal.

    Notes
    -----
    Each activation is a raised-cosine bump :math:`h\\,(1 - \\cos(2\\pi u))/2`,
    :math:`u \\in [0, 1]` over its duration, with height :math:`h` drawn from a
    gamma distribution (shape 2, scale 0.4) and a random sign in 20% of cases
    (a relaxation below baseline). A random walk of small steps gives drift.

    Examples
    --------
    >>> x = simulate_signals(3, seconds=10, fps=25, seed=1)
    >>> x.shape
    (250, 3)
    >>> bool((simulate_signals(3, 10, 25, seed=1) == x).all().all())
    True
    """
    n_signals = check_int("n_signals", n_signals, minimum=1)
    seconds = check_positive("seconds", seconds)
    fps = check_positive("fps", fps)
    rate = check_positive("rate", rate, allow_zero=True)
    noise = check_positive("noise", noise, allow_zero=True)
    min_duration = check_positive("min_duration", min_duration)
    max_duration = check_positive("max_duration", max_duration)
    if max_duration < min_duration:
        raise ValueError(f"max_duration ({max_duration}) must be >= min_duration ({min_duration})")
    rng = check_rng(seed)
    T = int(round(seconds * fps))
    if T < 3:
        raise ValueError(f"seconds * fps must give at least 3 frames, got {T}")
    x = rng.normal(0.0, noise, size=(T, n_signals))
    x += np.cumsum(rng.normal(0.0, noise * 0.05, size=(T, n_signals)), axis=0)
    counts = rng.poisson(rate * seconds, size=n_signals)
    total = int(counts.sum())
    col = np.repeat(np.arange(n_signals), counts)
    start = rng.uniform(0, seconds, size=total) * fps
    length = np.maximum(rng.uniform(min_duration, max_duration, size=total) * fps, 2.0)
    height = rng.gamma(2.0, 0.4, size=total) * np.where(rng.random(total) < 0.2, -1.0, 1.0)
    # add every bump at once: frames covered by each bump, flattened
    width = int(np.ceil(length.max())) + 1 if total else 0
    offs = np.arange(width)
    frames = np.floor(start)[:, None] + offs[None, :]
    u = (frames - start[:, None]) / length[:, None]
    inside = (u >= 0) & (u <= 1) & (frames < T)
    shape = height[:, None] * (1 - np.cos(2 * np.pi * u)) / 2
    np.add.at(x, (frames[inside].astype(np.int64), np.broadcast_to(col[:, None], u.shape)[inside]), shape[inside])
    return pd.DataFrame(x, columns=[f"exp_{i:02d}" for i in range(n_signals)])


# =========================================================================== study

#: The rating questions of the paper (0-4 scale), in order.
ITEMS = ("response", "emotion", "motion")

#: Channels through which the latent expressiveness of a clip drives the face,
#: per task, in standard deviations of the channel per standard deviation of the
#: latent score (the paper's findings, section 6).
CHANNELS = {
    "startle": {"landmark_speed": 0.55, "landmark_jerk": 0.45, "au_rate": 0.5, "head_speed": -0.5},
    "pain": {"au_rate": 0.55, "au_level": 0.5, "landmark_jerk": -0.55},
    "disgust": {"au_rate": 0.5, "au_level": 0.45, "landmark_speed": 0.5, "head_speed": 0.5},
}
#: Which clip feature each channel moves (feature names of :mod:`bitbox_stats.features`).
CHANNEL_FEATURES = {
    "landmark_speed": ("points_displacement",),
    "landmark_jerk": ("points_velocity",),
    "head_speed": ("head_displacement",),
    "au_rate": ("au_count",),
    "au_level": ("au_intensity",),
}
# item parameters per task: intercept, loading on (latent + rater impression), SD of the
# clip's own (unique) standing on the item, SD of a rater's item noise
_ITEM_PARAMS = {
    "startle": {"response": (1.5, 0.95, 0.12, 0.34), "emotion": (1.4, 0.9, 0.16, 0.4),
                "motion": (1.6, 0.85, 0.26, 0.42)},
    "pain": {"response": (1.6, 0.95, 0.1, 0.34), "emotion": (1.5, 0.9, 0.17, 0.4),
             "motion": (1.3, 0.7, 0.42, 0.45)},
    "disgust": {"response": (1.5, 0.95, 0.1, 0.33), "emotion": (1.5, 0.95, 0.1, 0.36),
                "motion": (1.4, 0.8, 0.35, 0.42)},
}
_DEFAULT_ITEMS = {"response": (1.5, 0.9, 0.12, 0.35), "emotion": (1.5, 0.9, 0.15, 0.4),
                  "motion": (1.5, 0.8, 0.35, 0.45)}
_RATER_IMPRESSION_SD = 0.8  # a rater's overall impression of a clip, shared by the three questions
_RATER_LENIENCY_SD = 0.25
_N_WORKERS = 60
_TRAIT_VAR = 0.6  # latent = subject trait + clip state, variance 1
_CLIP_NOISE = 0.45  # channel noise per clip, in channel SDs (what features cannot see)
_SUBJECT_NOISE = 0.35  # subjects differ in their baseline of every channel


@dataclass(frozen=True)
class SimulatedStudy:
    """A simulated study of the paper's shape with a known truth.

    Attributes
    ----------
    manifest : pandas.DataFrame
        One row per task video: ``subject`` (str), ``task`` (str), ``video``
        (int, 0-based), ``n_frames`` (int), ``duration_s`` (float), ``path``
        (str, empty until :func:`write_study` writes the files).
    ratings : pandas.DataFrame
        One row per clip and rater: ``subject``, ``task``, ``clip`` (int,
        1-based within the task), ``rater`` (str, a crowd worker id), and the
        answers ``response``, ``emotion``, ``motion`` (int, 0-4).
    truth : pandas.DataFrame
        One row per clip: ``subject``, ``task``, ``clip``, ``start_s``,
        ``end_s``, ``latent`` (the clip's expressiveness, mean 0 and variance 1
        over the population), ``trait`` (the subject's part) and ``state``.
    weights : pandas.DataFrame
        The generating channels: ``task``, ``channel``, ``feature`` (the clip
        feature the channel moves), ``weight`` (channel SDs per latent SD; the
        sign is what a fitted model should recover).
    items : pandas.DataFrame
        The generating item parameters: ``task``, ``item``, ``intercept``,
        ``loading``, ``noise_sd``, plus the rater-level SDs.
    settings : dict
        The arguments of :func:`simulate_study`.
    """

    manifest: pd.DataFrame
    ratings: pd.DataFrame
    truth: pd.DataFrame
    weights: pd.DataFrame
    items: pd.DataFrame
    settings: dict
    _controls: dict = field(repr=False, compare=False, default_factory=dict)

    def __repr__(self) -> str:
        s = self.settings
        return (f"SimulatedStudy({s['n_subjects']} subjects, tasks={list(s['tasks'])}, "
                f"{len(self.manifest)} videos, {len(self.truth)} clips, {len(self.ratings)} ratings, "
                f"seed={s['seed']})")

    def frames(self, subject: str, task: str) -> pd.DataFrame:
        """The OpenFace 2.2 frames of one task video (generated on demand, reproducibly).

        Parameters
        ----------
        subject, task : str
            The video's subject and task, as in ``manifest``.

        Returns
        -------
        pandas.DataFrame
            One row per frame, in the columns of :func:`~bitbox_stats.openface_columns`.

        Examples
        --------
        >>> study = simulate_study(n_subjects=3, seed=1)
        >>> f = study.frames("S001", "startle")
        >>> f.shape[1], int(f["frame"].iloc[0])
        (714, 1)
        """
        key = (str(subject), str(task))
        if key not in self._controls:
            raise ValueError(f"no video for subject {subject!r} and task {task!r} in this study")
        return _render_video(*self._controls[key], fps=self.settings["fps"])

    def videos(self):
        """Iterate over ``(subject, task, frames)`` for every video, in manifest order."""
        for row in self.manifest.itertuples(index=False):
            yield row.subject, row.task, self.frames(row.subject, row.task)


def _gamma_lengths(rng, n, mean=44.5, sd=31.4):
    shape = (mean / sd) ** 2
    return rng.gamma(shape, sd**2 / mean, size=n)


def simulate_study(n_subjects=140, tasks=("startle", "pain", "disgust"), fps=25, n_raters=6, *,
                   seed=None) -> SimulatedStudy:
    """Simulate a BP4D+-like expressiveness study with a known truth.

    Parameters
    ----------
    n_subjects : int, default 140
        Number of participants; each performs every task once.
    tasks : sequence of str, default ("startle", "pain", "disgust")
        Tasks; each must have a segment table (see
        :func:`bitbox_stats.segment_table`) and generating channels
        (``startle``, ``pain``, ``disgust``; other tables' tasks get no channels).
    fps : float, default 25
        Frame rate of the videos.
    n_raters : int, default 6
        Raters per clip, drawn from a pool of crowd workers.
    seed : int or numpy.random.Generator, optional
        Seed; the same seed gives the same study, frames included.

    Returns
    -------
    SimulatedStudy
        Manifest, ratings, per-clip truth, generating weights and item
        parameters; ``study.frames(subject, task)`` renders a video's OpenFace
        2.2 frames on demand (so a 140-subject study needs little memory).

    Notes
    -----
    *Videos.* Lengths follow a gamma distribution with the paper's mean 44.5 s
    and SD 31.4 s, raised where needed to cover the task's segment table
    (plus 0-2 s). Frames carry 68 2-D and 3-D landmarks (a face template
    moved by six expression modes, the head pose and tracking noise), head
    pose, gaze, 17 AU intensities and 18 presences, confidence and success;
    about one tracking failure per minute (0.2-2 s, ``success = 0`` and zeroed
    measurements, as OpenFace writes them) and short low-confidence stretches.

    *Latent expressiveness.* For clip :math:`c` of subject :math:`s`,
    :math:`\\eta_c = \\tau_s + \\varepsilon_c` with
    :math:`\\tau_s \\sim N(0, 0.6)` and :math:`\\varepsilon_c \\sim N(0, 0.4)`.
    Each task's channels (``weights``) move the face:
    :math:`\\text{channel} = \\text{subject baseline} + w\\,\\eta_c + \\text{noise}`,
    in channel SDs: landmark speed (displacement per 0.2 s), landmark jerk
    (how much that speed changes from step to step), head speed, the rate of
    AU presence and the AU intensity level. Startle raises landmark
    displacement and velocity and AU count and lowers head displacement; pain
    raises AU count and intensity and lowers landmark velocity; disgust raises
    AU count, intensity, landmark and head displacement.

    *Ratings.* Rater :math:`r` answers question :math:`q` on clip :math:`c` with
    :math:`\\mathrm{round}(a_q + b_q(\\eta_c + \\delta_{cr}) + u_{cq} + \\ell_r + e_{crq})`
    clipped to 0-4, where :math:`\\delta_{cr} \\sim N(0, 0.8^2)` is the rater's
    impression of the clip (shared by the questions), :math:`u_{cq}` the clip's
    own standing on the question (shared by the raters; large for motion),
    :math:`\\ell_r` a worker's leniency and :math:`e_{crq}` a rater's item
    noise (``items`` holds every parameter). This gives one-way ICC(1,6) of
    about 0.85-0.87 per question and standardised loadings of the averaged
    answers like the paper's Table 2 (motion lowest, lowest in pain).

    References
    ----------
    1. Lin, V., Girard, J. M., & Morency, L.-P. (2020). Context-dependent models
       for predicting and characterizing facial expressiveness.
    2. Zhang, Z. et al. (2016). Multimodal spontaneous emotion corpus for human
       behavior analysis (BP4D+). CVPR, 3438-3446.

    Examples
    --------
    >>> study = simulate_study(n_subjects=4, seed=7)
    >>> study.manifest[["subject", "task"]].head(3)
      subject     task
    0    S001  startle
    1    S001     pain
    2    S001  disgust
    >>> study.ratings.columns.tolist()
    ['subject', 'task', 'clip', 'rater', 'response', 'emotion', 'motion']
    >>> len(study.truth), len(study.ratings)
    (64, 384)
    """
    from .clips import segment_table

    n_subjects = check_int("n_subjects", n_subjects, minimum=1)
    n_raters = check_int("n_raters", n_raters, minimum=1)
    fps = check_positive("fps", fps)
    if isinstance(tasks, str):
        tasks = (tasks,)
    tasks = tuple(str(t) for t in tasks)
    if not tasks:
        raise ValueError("tasks is empty")
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks has duplicates: {list(tasks)}")
    table = segment_table()
    known = set(table["task"])
    unknown = [t for t in tasks if t not in known]
    if unknown:
        raise ValueError(f"tasks: no segment table for {unknown}; known tasks: {sorted(known)}")
    if n_raters > _N_WORKERS:
        raise ValueError(f"n_raters must be <= {_N_WORKERS} (the worker pool), got {n_raters}")
    rng = check_rng(seed)
    seed_value = seed if isinstance(seed, int | np.integer) else None

    subjects = [f"S{i + 1:03d}" for i in range(n_subjects)]
    trait = rng.normal(0.0, np.sqrt(_TRAIT_VAR), size=n_subjects)
    channels = sorted({c for t in tasks for c in CHANNELS.get(t, {})} | set(_CHANNEL_BASE))
    subject_base = {c: rng.normal(0.0, _SUBJECT_NOISE, size=n_subjects) for c in channels}

    manifest_rows, truth_rows, controls = [], [], {}
    video = 0
    per_task = {}  # the clip layout depends on the task only
    for t in tasks:
        segs = table[table["task"] == t]
        start = segs["start_s"].to_numpy(float)
        per_task[t] = (_needed_seconds(segs), start, segs["end_s"].to_numpy(float) - start,
                       segs["clip"].to_numpy())
    for si, subject in enumerate(subjects):
        for task in tasks:
            need, seg_start, seg_len, clips = per_task[task]
            length = max(float(_gamma_lengths(rng, 1)[0]), need + rng.uniform(0.0, 2.0))
            n_frames = int(round(length * fps))
            duration = n_frames / fps
            starts = np.where(seg_start < 0, duration + seg_start, seg_start)
            ends = starts + seg_len
            state = rng.normal(0.0, np.sqrt(1 - _TRAIT_VAR), size=len(clips))
            latent = trait[si] + state
            weights = CHANNELS.get(task, {})
            clip_controls = {
                c: subject_base[c][si] + weights.get(c, 0.0) * latent + rng.normal(0.0, _CLIP_NOISE, len(clips))
                for c in channels
            }
            between = {c: subject_base[c][si] + weights.get(c, 0.0) * trait[si] for c in channels}
            controls[(subject, task)] = (int(rng.integers(2**63 - 1)), n_frames, starts, ends,
                                         clip_controls, between)
            manifest_rows.append((subject, task, video, n_frames, duration, ""))
            video += 1
            for k, clip in enumerate(clips):
                truth_rows.append((subject, task, int(clip), starts[k], ends[k], latent[k], trait[si], state[k]))
    manifest = pd.DataFrame(manifest_rows, columns=["subject", "task", "video", "n_frames", "duration_s", "path"])
    truth = pd.DataFrame(truth_rows, columns=["subject", "task", "clip", "start_s", "end_s", "latent",
                                              "trait", "state"])
    ratings, items = _simulate_ratings(truth, n_raters, rng)
    weight_rows = [(t, c, f, w) for t in tasks for c, w in CHANNELS.get(t, {}).items()
                   for f in CHANNEL_FEATURES[c]]
    weights = pd.DataFrame(weight_rows, columns=["task", "channel", "feature", "weight"])
    settings = {"n_subjects": n_subjects, "tasks": tasks, "fps": fps, "n_raters": n_raters, "seed": seed_value}
    return SimulatedStudy(manifest, ratings, truth, weights, items, settings, controls)


def _needed_seconds(segs: pd.DataFrame) -> float:
    """Shortest video (s) that holds every clip of a segment table without overlap."""
    head = segs.loc[segs["start_s"] >= 0, "end_s"].max() if (segs["start_s"] >= 0).any() else 0.0
    tail = -segs.loc[segs["start_s"] < 0, "start_s"].min() if (segs["start_s"] < 0).any() else 0.0
    return float(head + tail)


def _simulate_ratings(truth: pd.DataFrame, n_raters: int, rng: np.random.Generator):
    n_clips = len(truth)
    workers = np.array([f"W{i + 1:03d}" for i in range(_N_WORKERS)])
    leniency = rng.normal(0.0, _RATER_LENIENCY_SD, size=_N_WORKERS)
    # each clip: n_raters distinct workers (a random permutation's first n_raters)
    who = np.argsort(rng.random((n_clips, _N_WORKERS)), axis=1)[:, :n_raters]
    impression = rng.normal(0.0, _RATER_IMPRESSION_SD, size=(n_clips, n_raters))
    latent = truth["latent"].to_numpy()[:, None]
    out = {
        "subject": np.repeat(truth["subject"].to_numpy(), n_raters),
        "task": np.repeat(truth["task"].to_numpy(), n_raters),
        "clip": np.repeat(truth["clip"].to_numpy(), n_raters),
        "rater": workers[who].ravel(),
    }
    item_rows = []
    tasks = truth["task"].to_numpy()
    for item in ITEMS:
        a = np.array([_ITEM_PARAMS.get(t, _DEFAULT_ITEMS)[item][0] for t in tasks])[:, None]
        b = np.array([_ITEM_PARAMS.get(t, _DEFAULT_ITEMS)[item][1] for t in tasks])[:, None]
        unique = np.array([_ITEM_PARAMS.get(t, _DEFAULT_ITEMS)[item][2] for t in tasks])[:, None]
        sd = np.array([_ITEM_PARAMS.get(t, _DEFAULT_ITEMS)[item][3] for t in tasks])[:, None]
        raw = (a + b * (latent + impression) + unique * rng.normal(0.0, 1.0, size=(n_clips, 1))
               + leniency[who] + rng.normal(0.0, 1.0, size=who.shape) * sd)
        out[item] = np.clip(np.rint(raw), 0, 4).astype(np.int64).ravel()
    for task in dict.fromkeys(tasks):
        for item in ITEMS:
            a, b, unique, sd = _ITEM_PARAMS.get(task, _DEFAULT_ITEMS)[item]
            item_rows.append((task, item, a, b, unique, sd, _RATER_IMPRESSION_SD, _RATER_LENIENCY_SD))
    items = pd.DataFrame(item_rows, columns=["task", "item", "intercept", "loading", "unique_sd", "noise_sd",
                                             "impression_sd", "leniency_sd"])
    return pd.DataFrame(out), items


# ------------------------------------------------------------------ rendering frames

def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


#: Channel value (in SD units) -> the frame-level parameter it sets.
_CHANNEL_BASE = {
    "landmark_speed": lambda c: 1.3 * np.exp(0.35 * c),  # px per 0.2 s of expression motion
    "landmark_jerk": lambda c: 0.85 * _logistic(0.2 + 0.9 * c),  # relative change of that speed
    "head_speed": lambda c: 1.6 * np.exp(0.35 * c),  # mm per 0.2 s (before the sideways damping)
    "au_rate": lambda c: _logistic(-1.6 + 0.55 * c),  # share of the AUs present
    "au_level": lambda c: 1.4 * np.exp(0.22 * c),  # intensity (0-5) of a present AU
    "gaze_speed": lambda c: 0.012 * np.exp(0.3 * c),  # rad per 0.2 s
    "rotation_speed": lambda c: 0.008 * np.exp(0.3 * c),  # rad per 0.2 s
}

_FOCAL = 500.0  # px
_CENTRE = np.array([320.0, 240.0])


def _face_template():
    """68 landmarks (px, about a 170 px wide face at 600 mm) and a depth per landmark (mm)."""
    pts = np.zeros((68, 2))
    a = np.linspace(np.pi * 0.95, np.pi * 0.05, 17)
    pts[0:17] = np.column_stack([-85 * np.cos(a), 20 + 95 * np.sin(a) * 0.9])  # jaw
    pts[17:22] = np.column_stack([np.linspace(-70, -15, 5), [-45, -52, -55, -53, -48]])  # brows
    pts[22:27] = np.column_stack([np.linspace(15, 70, 5), [-48, -53, -55, -52, -45]])
    pts[27:31] = np.column_stack([np.zeros(4), np.linspace(-35, 5, 4)])  # nose bridge
    pts[31:36] = np.column_stack([np.linspace(-18, 18, 5), [15, 18, 20, 18, 15]])
    for k, cx in ((36, -40.0), (42, 40.0)):  # eyes
        t = np.linspace(0, 2 * np.pi, 7)[:-1]
        pts[k:k + 6] = np.column_stack([cx - 15 * np.cos(t), -28 - 7 * np.sin(t)])
    t = np.linspace(0, 2 * np.pi, 13)[:-1]
    pts[48:60] = np.column_stack([-30 * np.cos(t), 48 - 12 * np.sin(t)])  # outer lips
    t = np.linspace(0, 2 * np.pi, 9)[:-1]
    pts[60:68] = np.column_stack([-20 * np.cos(t), 48 - 5 * np.sin(t)])  # inner lips
    depth = np.zeros(68)
    depth[0:17] = 25.0
    depth[27:36] = -20.0 + np.array([5, 0, -5, -10, 0, -3, -6, -3, 0])
    depth[48:68] = -8.0
    return pts, depth


def _expression_modes():
    """Six expression modes (brow raise, furrow, mouth open, smile, eye closure,
    nose wrinkle) as 68 x 2 displacement patterns, scaled so that a unit step in
    a random direction moves the landmarks by 1 px on average."""
    modes = np.zeros((6, 68, 2))
    modes[0, 17:27, 1] = -1.0
    modes[0, [37, 38, 43, 44], 1] = -0.4
    modes[1, 17:27, 1] = 0.6
    modes[1, 19:22, 0] = 0.8
    modes[1, 22:25, 0] = -0.8
    modes[2, 55:60, 1] = 1.0
    modes[2, 64:68, 1] = 0.9
    modes[2, 5:12, 1] = 0.8
    modes[3, [48, 60], 0] = -1.0
    modes[3, [54, 64], 0] = 1.0
    modes[3, [48, 54, 60, 64], 1] = -0.6
    modes[4, [37, 38, 43, 44], 1] = 1.0
    modes[4, [40, 41, 46, 47], 1] = -0.3
    modes[5, 31:36, 1] = -0.8
    modes[5, 49:54, 1] = -0.7
    modes[5, 27:31, 1] = -0.3
    rng = np.random.default_rng(12345)
    u = rng.normal(size=(4000, 6))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    scale = np.mean(np.linalg.norm(np.einsum("nk,kld->nld", u, modes), axis=2))
    return modes / scale


_TEMPLATE, _DEPTH = _face_template()
_MODES = _expression_modes()


def _per_frame(n_frames, fps, starts, ends, clip_values, between_value):
    """A control held at ``between_value`` except inside the clip windows."""
    out = np.full(n_frames, between_value, dtype=float)
    for s, e, v in zip(starts, ends, clip_values, strict=True):
        a = int(round(s * fps))
        b = min(n_frames, a + int(round((e - s) * fps)))
        out[a:b] = v
    return out


def _random_walk(rng, step_length, dims, rho=0.9, turn=0.6):
    """Positions (n_steps + 1, dims) of a mean-reverting walk whose steps have the
    given lengths and directions that turn smoothly (both AR(1) recursions)."""
    from scipy.signal import lfilter

    n = step_length.size
    d = lfilter([np.sqrt(1 - turn**2)], [1, -turn], rng.normal(size=(n, dims)), axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    pos = np.zeros((n + 1, dims))
    pos[1:] = lfilter([1.0], [1, -rho], d * step_length[:, None], axis=0)
    return pos


def _to_frames(pos, n_frames, bin_frames):
    """Interpolate step-level positions to frames (linear within each step)."""
    t = np.arange(n_frames) / bin_frames
    idx = np.minimum(np.floor(t).astype(int), pos.shape[0] - 2)
    frac = (t - idx)[:, None]
    return pos[idx] * (1 - frac) + pos[idx + 1] * frac


def _smooth_noise(rng, n_frames, n_series, rho):
    """Unit-variance AR(1) noise, (n_frames, n_series), via an exact recursion on
    the innovations (scipy.signal.lfilter)."""
    from scipy.signal import lfilter

    e = rng.normal(size=(n_frames, n_series))
    e[0] /= np.sqrt(1 - rho**2)
    return lfilter([np.sqrt(1 - rho**2)], [1, -rho], e, axis=0)


@lru_cache(maxsize=1)
def _column_index():
    from .openface import openface_columns

    return {n: i for i, n in enumerate(openface_columns("2.2"))}


def _render_video(seed, n_frames, starts, ends, clip_controls, between, fps):
    from scipy.stats import norm

    from .openface import openface_columns

    rng = np.random.default_rng(seed)
    T = n_frames
    bin_frames = max(1, int(round(fps / 5.0)))
    n_steps = int(np.ceil(T / bin_frames)) + 1
    step_of_frame = np.minimum(np.arange(n_steps) * bin_frames, T - 1)

    def control(name):
        per_frame = _per_frame(T, fps, starts, ends, clip_controls[name], between[name])
        return _CHANNEL_BASE[name](per_frame)

    lm_speed = control("landmark_speed")[step_of_frame]
    lm_jerk = control("landmark_jerk")[step_of_frame]
    head_speed = control("head_speed")[step_of_frame]
    au_rate = control("au_rate")
    au_level = control("au_level")
    gaze_speed = control("gaze_speed")[step_of_frame]
    rot_speed = control("rotation_speed")[step_of_frame]

    # expression: six modes, step lengths that change by +-jerk from step to step
    signs = rng.choice([-1.0, 1.0], size=n_steps)
    expr = _to_frames(_random_walk(rng, lm_speed * (1 + lm_jerk * signs), 6), T, bin_frames)
    # head translation (mm) and rotation (rad); gaze angles (rad)
    # head translation mostly towards and away from the camera (recoiling, freezing): the
    # sideways part, which also moves the 2-D landmarks, is smaller
    head = _to_frames(_random_walk(rng, head_speed, 3, rho=0.95), T, bin_frames) * np.array([0.35, 0.35, 1.0])
    head += np.array([rng.normal(0, 20), rng.normal(20, 15), rng.normal(620, 40)])
    rot = _to_frames(_random_walk(rng, rot_speed, 3, rho=0.95), T, bin_frames)
    rot += rng.normal(0, [0.08, 0.1, 0.05])
    gaze = _to_frames(_random_walk(rng, gaze_speed, 2, rho=0.9), T, bin_frames)
    gaze += rng.normal(0, [0.1, 0.08])

    # 2-D landmarks: template + expression, rolled, scaled by distance, moved by the head
    shape = _TEMPLATE[None] + np.einsum("tk,kld->tld", expr, _MODES)
    scale = 620.0 / head[:, 2]
    c, s = np.cos(rot[:, 2]), np.sin(rot[:, 2])
    rotated = np.stack([c[:, None] * shape[..., 0] - s[:, None] * shape[..., 1],
                        s[:, None] * shape[..., 0] + c[:, None] * shape[..., 1]], axis=-1)
    centre = _CENTRE + _FOCAL * head[:, :2] / head[:, 2:3]
    xy = centre[:, None, :] + scale[:, None, None] * rotated
    xy += rng.normal(0.0, 0.25, size=xy.shape)  # tracking noise
    Z = head[:, 2:3] + _DEPTH[None, :]
    X = (xy[..., 0] - _CENTRE[0]) * Z / _FOCAL
    Y = (xy[..., 1] - _CENTRE[1]) * Z / _FOCAL

    # eye landmarks: 28 per eye (20 on the lids, 8 on the iris, shifted by gaze)
    eyes = []
    for k in (36, 42):
        ctr = xy[:, k:k + 6, :].mean(axis=1)
        t = np.linspace(0, 2 * np.pi, 21)[:-1]
        lid = np.stack([16 * np.cos(t), 8 * np.sin(t)], axis=-1)
        t = np.linspace(0, 2 * np.pi, 9)[:-1]
        iris = np.stack([5 * np.cos(t), 5 * np.sin(t)], axis=-1)
        shift = 60.0 * np.column_stack([np.sin(gaze[:, 0]), np.sin(gaze[:, 1])])
        pts = np.concatenate([np.broadcast_to(lid, (T, 20, 2)),
                              iris[None] + shift[:, None, :]], axis=1) * scale[:, None, None]
        eyes.append(ctr[:, None, :] + pts)
    eye_xy = np.concatenate(eyes, axis=1)
    eye_Z = head[:, 2:3] + np.full((1, 56), -5.0)
    eye_X = (eye_xy[..., 0] - _CENTRE[0]) * eye_Z / _FOCAL
    eye_Y = (eye_xy[..., 1] - _CENTRE[1]) * eye_Z / _FOCAL

    # gaze vectors of both eyes (unit, camera looks along -z)
    gx, gy = gaze[:, 0], gaze[:, 1]
    g = np.column_stack([np.sin(gx) * np.cos(gy), np.sin(gy), -np.cos(gx) * np.cos(gy)])
    g0 = g + rng.normal(0, 0.01, size=g.shape) + np.array([0.02, 0, 0])
    g1 = g + rng.normal(0, 0.01, size=g.shape) - np.array([0.02, 0, 0])
    g0 /= np.linalg.norm(g0, axis=1, keepdims=True)
    g1 /= np.linalg.norm(g1, axis=1, keepdims=True)
    mean_g = g0 + g1
    angle_x = np.arctan2(mean_g[:, 0], -mean_g[:, 2])
    angle_y = np.arctan2(mean_g[:, 1], -mean_g[:, 2])

    # action units: presence where smooth noise passes the level set by the AU rate
    n_c, n_r = 18, 17
    offsets = np.linspace(-0.8, 0.8, n_c)[rng.permutation(n_c)]  # some AUs are more common
    z = _smooth_noise(rng, T, n_c, rho=0.92)
    p = np.clip(_logistic(np.log(au_rate / (1 - au_rate))[:, None] + offsets[None, :]), 1e-6, 1 - 1e-6)
    present = z > norm.ppf(1 - p)
    r_idx = [i for i in range(n_c) if i != 16]  # AU28 (16th of the presence list) has no intensity
    level = au_level[:, None] * np.exp(0.25 * _smooth_noise(rng, T, n_r, rho=0.9))
    intensity = np.where(present[:, r_idx], level, np.abs(rng.normal(0.03, 0.06, size=(T, n_r))))
    intensity = np.clip(intensity, 0.0, 5.0)

    # tracking: about one failure a minute (0.2-2 s) and short low-confidence stretches
    success = np.ones(T, dtype=np.int64)
    confidence = np.clip(rng.normal(0.975, 0.01, size=T), 0.9, 0.98)
    for kind, rate in (("failure", 1 / 60), ("low", 1 / 40)):
        for _ in range(rng.poisson(rate * T / fps)):
            a = int(rng.integers(0, T))
            b = min(T, a + int(rng.uniform(0.2, 2.0) * fps))
            if kind == "failure":
                success[a:b] = 0
                confidence[a:b] = rng.uniform(0.0, 0.4, size=b - a)
            else:
                confidence[a:b] = rng.uniform(0.5, 0.74, size=b - a)

    names = openface_columns("2.2")
    at = _column_index()
    out = np.empty((T, len(names)))

    def put(first, block):
        block = np.asarray(block, dtype=float)
        block = block[:, None] if block.ndim == 1 else block
        out[:, at[first]:at[first] + block.shape[1]] = block

    put("frame", np.arange(1, T + 1))
    put("face_id", np.zeros(T))
    put("timestamp", np.arange(T) / fps)
    put("confidence", confidence)
    put("success", success)
    put("gaze_0_x", np.column_stack([g0, g1]))
    put("gaze_angle_x", np.column_stack([angle_x, angle_y]))
    for first, block in (("eye_lmk_x_0", eye_xy[..., 0]), ("eye_lmk_y_0", eye_xy[..., 1]),
                         ("eye_lmk_X_0", eye_X), ("eye_lmk_Y_0", eye_Y), ("eye_lmk_Z_0", eye_Z),
                         ("x_0", xy[..., 0]), ("y_0", xy[..., 1]), ("X_0", X), ("Y_0", Y), ("Z_0", Z)):
        put(first, block)
    put("pose_Tx", np.column_stack([head, rot]))
    put("p_scale", np.column_stack([scale, rot, centre]))
    modes = rng.normal(0, 0.3, size=(T, 34))
    modes[:, :6] = expr
    put("p_0", modes)
    put("AU01_r", intensity)
    put("AU01_c", present.astype(float))
    # OpenFace writes zeros for every measurement of a frame it failed to track
    failed = success == 0
    if failed.any():
        out[np.ix_(failed, np.arange(at["gaze_0_x"], len(names)))] = 0.0
    frame = pd.DataFrame(out, columns=names)
    for n in ("frame", "face_id", "success"):
        frame[n] = out[:, at[n]].astype(np.int64)
    return frame


# ------------------------------------------------------------------ writing files

def write_study(study: SimulatedStudy, folder, *, overwrite=False, progress=False) -> pd.DataFrame:
    """Write a simulated study as real files: OpenFace CSVs, ratings and manifest.

    Parameters
    ----------
    study : SimulatedStudy
        From :func:`simulate_study`.
    folder : str or os.PathLike
        Destination folder; it must not exist or be empty unless ``overwrite``.
    overwrite : bool, default False
        Replace a folder bitbox-stats wrote earlier (it holds the marker
        ``.bitbox-stats-output.json``) that holds nothing else; any other
        non-empty folder is refused, and nothing the package did not write
        is ever deleted.
    progress : bool, default False
        Show a progress bar (tqdm) while the videos are written.

    Returns
    -------
    pandas.DataFrame
        The manifest with ``path`` filled in (relative to ``folder``), as
        written to ``manifest.csv``.

    Notes
    -----
    The folder receives ``openface/<subject>_<task>.csv`` (OpenFace 2.2
    format, see :func:`bitbox_stats.write_openface`), ``ratings.csv``,
    ``manifest.csv`` (``subject, task, video, n_frames, duration_s, path``),
    ``truth_clips.csv``, ``truth_weights.csv``, ``truth_items.csv`` and
    ``settings.json``, and the marker ``.bitbox-stats-output.json`` that lists
    what bitbox-stats wrote (so that ``overwrite=True`` replaces only such a
    folder). Everything is written to a temporary folder next to the
    destination, which is renamed into place at the end: the study is written
    whole or not at all.

    Examples
    --------
    >>> import tempfile, os
    >>> study = simulate_study(n_subjects=2, tasks=("disgust",), seed=3)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     manifest = write_study(study, os.path.join(tmp, "study"))
    ...     sorted(os.listdir(os.path.join(tmp, "study")))
    ['.bitbox-stats-output.json', 'manifest.csv', 'openface', 'ratings.csv', 'settings.json', 'truth_clips.csv', 'truth_items.csv', 'truth_weights.csv']
    >>> manifest["path"].tolist()
    ['openface/S001_disgust.csv', 'openface/S002_disgust.csv']
    """
    import json

    from ._io import atomic_folder
    from .openface import write_openface

    if not isinstance(study, SimulatedStudy):
        raise TypeError(f"study must be a SimulatedStudy (from simulate_study), got {type(study).__name__}")
    with atomic_folder(folder, overwrite=overwrite) as tmp:
        (tmp / "openface").mkdir()
        manifest = study.manifest.copy()
        paths = [f"openface/{s}_{t}.csv" for s, t in zip(manifest["subject"], manifest["task"], strict=True)]
        rows = zip(manifest["subject"], manifest["task"], paths, strict=True)
        if progress:
            from tqdm.auto import tqdm

            rows = tqdm(list(rows), desc="writing videos", unit="video")
        for subject, task, rel in rows:
            write_openface(study.frames(subject, task), tmp / rel)
        manifest["path"] = pd.Series(paths, dtype="str")
        manifest.to_csv(tmp / "manifest.csv", index=False)
        study.ratings.to_csv(tmp / "ratings.csv", index=False)
        study.truth.to_csv(tmp / "truth_clips.csv", index=False)
        study.weights.to_csv(tmp / "truth_weights.csv", index=False)
        study.items.to_csv(tmp / "truth_items.csv", index=False)
        settings = dict(study.settings, tasks=list(study.settings["tasks"]))
        (tmp / "settings.json").write_text(json.dumps(settings, indent=2))
    return manifest
