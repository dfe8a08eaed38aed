"""extract_features on a two-worker Dask LocalCluster: the same numbers as serially.

Reference: the serial run of the same call (and, through it, the
step-by-step path checked in test_features.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from bitbox_stats.features import extract_features
from bitbox_stats.openface import openface_columns, write_openface


def _video(n, seed):
    rng = np.random.default_rng(seed)
    cols = openface_columns("2.2")
    v = pd.DataFrame(rng.normal(0.0, 1.0, size=(n, len(cols))), columns=cols)
    v["frame"] = np.arange(1, n + 1)
    v["face_id"] = 0
    v["timestamp"] = np.arange(n) / 25
    v["confidence"] = np.where(rng.random(n) < 0.05, 0.3, 0.95)
    v["success"] = 1
    for c in cols:
        if c.startswith("AU") and c.endswith("_c"):
            v[c] = (rng.random(n) < 0.4).astype(float)
    return v


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("dask_study")
    for k, subject in enumerate(["S01", "S02", "S03", "S04"]):
        for j, task in enumerate(["startle", "disgust"]):
            write_openface(_video(200 + 120 * k, 7 * k + j), root / f"{subject}_{task}.csv")
    (root / "S05_disgust.csv").write_text("frame, timestamp, confidence, success\n")
    return root


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as lc, Client(lc) as client:
        yield lc, client


def test_dask_equals_serial(study, cluster):
    lc, client = cluster
    assert len(client.scheduler_info()["workers"]) == 2
    serial = extract_features(study, progress=False, errors="collect")
    on_dask = extract_features(study, progress=False, errors="collect", client=client)
    pd.testing.assert_frame_equal(serial.features, on_dask.features, check_exact=True)
    pd.testing.assert_frame_equal(serial.failures, on_dask.failures, check_exact=True)
    assert on_dask.failures["subject"].tolist() == ["S05"]
    assert len(on_dask.features) == 4 * (5 + 4)
    by_address = extract_features(study, progress=False, errors="collect",
                                  client=lc.scheduler_address)
    pd.testing.assert_frame_equal(serial.features, by_address.features, check_exact=True)


def test_dask_raises_the_first_error(study, cluster):
    _, client = cluster
    with pytest.raises(ValueError, match=r"S05_disgust\.csv: the file has a header but no frames"):
        extract_features(study, progress=False, client=client)
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client"):
        extract_features(study, progress=False, client=42)
