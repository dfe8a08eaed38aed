"""Benchmark: clip-feature extraction for a realistic study of OpenFace 2.2 files.

Writes ~420 task videos (140 subjects x startle, pain, disgust; 30-60 s, mean
45 s, at 25 fps; all 714 OpenFace 2.2 columns in OpenFace's own number format)
to a temporary folder with ``write_openface``, then times

- pandas alone reading every file (C parser and pyarrow parser; the faster is
  the reference),
- ``extract_features`` serially, with ``n_jobs=2`` and on a two-worker Dask
  ``LocalCluster`` (cluster start-up excluded, reported separately),

and checks that the three extractions give identical tables. Target: serial
extraction within 1.5x of the bare read time. Files are read from the page
cache in every run (they were just written), so the figures compare parsing
and computing, not disks.

Run: ``.venv/bin/python benchmarks/features.py [--videos 420] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from bitbox_stats.features import extract_features, openface_manifest
from bitbox_stats.openface import openface_columns, write_openface

FPS = 25
TASKS = ["startle", "pain", "disgust"]


def simulate_video(n_frames: int, seed: int) -> pd.DataFrame:
    """One plausible OpenFace 2.2 recording: a face that drifts, turns, blinks and moves AUs."""
    rng = np.random.default_rng(seed)
    cols = openface_columns("2.2")
    n = n_frames
    t = np.arange(n) / FPS
    out = {c: np.zeros(n) for c in cols}
    out["frame"] = np.arange(1, n + 1)
    out["face_id"] = np.zeros(n)
    out["timestamp"] = t
    conf = np.clip(0.97 + rng.normal(0, 0.01, n), 0, 1)
    dips = rng.random(n) < 0.03
    conf[dips] = rng.uniform(0.2, 0.8, dips.sum())
    success = (rng.random(n) > 0.01).astype(float)
    conf[success == 0] = 0.0
    out["confidence"] = conf
    out["success"] = success
    # head pose: slow random walks
    T = np.array([15.0, 45.0, 600.0]) + np.cumsum(rng.normal(0, 0.4, (n, 3)), axis=0)
    R = np.cumsum(rng.normal(0, 0.003, (n, 3)), axis=0)
    for j, c in enumerate(["pose_Tx", "pose_Ty", "pose_Tz"]):
        out[c] = T[:, j]
    for j, c in enumerate(["pose_Rx", "pose_Ry", "pose_Rz"]):
        out[c] = R[:, j]
    # 2-D face landmarks: a template on a 100-px face, moved with the head, plus jitter
    ang = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    tx, ty = 320 + 50 * np.cos(ang), 240 + 60 * np.sin(ang)
    shift = np.cumsum(rng.normal(0, 0.3, (n, 2)), axis=0)
    for i in range(68):
        out[f"x_{i}"] = tx[i] + shift[:, 0] + rng.normal(0, 0.3, n)
        out[f"y_{i}"] = ty[i] + shift[:, 1] + rng.normal(0, 0.3, n)
        out[f"X_{i}"] = (tx[i] - 320) * 0.8 + T[:, 0] + rng.normal(0, 0.5, n)
        out[f"Y_{i}"] = (ty[i] - 240) * 0.8 + T[:, 1] + rng.normal(0, 0.5, n)
        out[f"Z_{i}"] = T[:, 2] + 20 * np.sin(ang[i]) + rng.normal(0, 0.5, n)
    # eyes and gaze
    gaze = rng.normal(0, 0.08, (n, 2)).cumsum(axis=0) * 0.05
    for e in range(2):
        gx, gy = np.sin(gaze[:, 0]), np.sin(gaze[:, 1])
        gz = -np.sqrt(np.clip(1 - gx ** 2 - gy ** 2, 0, 1))
        out[f"gaze_{e}_x"], out[f"gaze_{e}_y"], out[f"gaze_{e}_z"] = gx, gy, gz
    out["gaze_angle_x"], out["gaze_angle_y"] = gaze[:, 0], gaze[:, 1]
    eang = np.linspace(0, 2 * np.pi, 56, endpoint=False)
    for i in range(56):
        side = -30 if i < 28 else 30
        out[f"eye_lmk_x_{i}"] = 320 + side + 8 * np.cos(eang[i]) + shift[:, 0]
        out[f"eye_lmk_y_{i}"] = 220 + 4 * np.sin(eang[i]) + shift[:, 1]
        out[f"eye_lmk_X_{i}"] = side * 0.8 + T[:, 0] + 6 * np.cos(eang[i])
        out[f"eye_lmk_Y_{i}"] = -16 + T[:, 1] + 3 * np.sin(eang[i])
        out[f"eye_lmk_Z_{i}"] = T[:, 2] - 10 + rng.normal(0, 0.3, n)
    out["p_scale"] = 1.1 + 0.01 * rng.normal(size=n)
    for j, c in enumerate(["p_rx", "p_ry", "p_rz"]):
        out[c] = R[:, j]
    out["p_tx"], out["p_ty"] = 320 + shift[:, 0], 240 + shift[:, 1]
    for i in range(34):
        out[f"p_{i}"] = rng.normal(0, 5 / (i + 1), n)
    # action units: smooth bursts of intensity; presence where intensity is high enough
    for c in cols:
        if c.startswith("AU") and c.endswith("_r"):
            level = np.convolve(rng.gamma(0.3, 1.0, n), np.ones(15) / 15, mode="same") * 3
            out[c] = np.clip(level, 0, 5)
            out[c[:-2] + "_c"] = (level > 0.8).astype(float)
    out["AU28_c"] = (rng.random(n) < 0.05).astype(float)
    df = pd.DataFrame(out, columns=cols)
    failed = success == 0
    df.loc[failed, cols[5:]] = 0.0  # OpenFace writes zeros when tracking fails
    return df


def _write_one(args):
    path, n, seed = args
    write_openface(simulate_video(n, seed), path)
    return os.path.getsize(path)


def write_study(folder: Path, n_videos: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    jobs = []
    for k in range(n_videos):
        subject, task = f"S{k // len(TASKS) + 1:03d}", TASKS[k % len(TASKS)]
        seconds = rng.uniform(30, 60)
        jobs.append((str(folder / f"{subject}_{task}.csv"), int(seconds * FPS), seed * 100_000 + k))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as ex:
        sizes = list(ex.map(_write_one, jobs, chunksize=4))
    return pd.DataFrame({"frames": [j[1] for j in jobs], "bytes": sizes})


def _time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=420)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    folder = Path(tempfile.mkdtemp(prefix="bitbox_features_bench_"))
    try:
        t0 = time.perf_counter()
        info = write_study(folder, args.videos)
        t_write = time.perf_counter() - t0
        paths = openface_manifest(folder)["path"].tolist()
        n_cols = len(openface_columns("2.2"))
        print(f"study: {len(paths)} files, {info['frames'].mean() / FPS:.1f} s mean "
              f"({info['frames'].sum():,} frames), {n_cols} columns, "
              f"{info['bytes'].sum() / 1e9:.2f} GB; written in {t_write:.0f} s")

        rows = []

        def bare(engine):
            return lambda: [pd.read_csv(p, engine=engine) for p in paths]

        for engine in ("c", "pyarrow"):
            med, times, _ = _time(bare(engine), args.repeats)
            rows.append((f"pandas.read_csv(engine={engine!r}), every file", med, times))
        ref = min(r[1] for r in rows[:2])

        med, times, serial = _time(lambda: extract_features(folder, progress=False), args.repeats)
        rows.append(("extract_features, serial", med, times))
        med, times, par = _time(lambda: extract_features(folder, progress=False, n_jobs=2),
                                args.repeats)
        rows.append(("extract_features, n_jobs=2", med, times))
        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as lc, Client(lc) as client:
            t_start = time.perf_counter() - t0
            med, times, dk = _time(lambda: extract_features(folder, progress=False, client=client),
                                   args.repeats)
            rows.append(("extract_features, Dask LocalCluster (2 workers)", med, times))
        for other in (par, dk):
            pd.testing.assert_frame_equal(serial.features, other.features, check_exact=True)

        print(f"\ncores: {os.cpu_count()}   repeats: {args.repeats} (median shown)   "
              f"clips: {len(serial.features)}")
        print(f"{'method':<52} {'seconds':>8} {'files/s':>8} {'x bare read':>12}")
        for name, med, _times in rows:
            print(f"{name:<52} {med:8.2f} {len(paths) / med:8.1f} {med / ref:12.2f}")
        print(f"Dask LocalCluster start-up (not included above): {t_start:.2f} s")
        print("serial, n_jobs=2 and Dask feature tables identical: yes")
        ratio = rows[2][1] / ref
        print(f"target serial <= 1.5 x bare read: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
