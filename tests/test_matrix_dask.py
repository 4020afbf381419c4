"""``pairwise_dtw(..., scheduler=...)`` and ``seqalign matrix --scheduler``: the DTW matrix by
blocks on a real Dask cluster (a scheduler and two workers as separate processes on loopback)
equals the local computation."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")

from seqalign.matrix.distributed import _blocks
from seqalign.matrix.pairwise import pairwise_dtw
from tests.test_batch_dask import cluster  # noqa: F401  (the fixture)
from tests.test_cli import assert_one_line_error, cli


def _series(count: int, d: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.cumsum(rng.standard_normal((int(rng.integers(20, 40)), d)), axis=0)
            for _ in range(count)]  # fmt: skip


def test_blocks_cover_every_index_once():
    for count, parts in [(1, 4), (7, 3), (10, 10), (11, 4), (3, 8)]:
        blocks = _blocks(count, parts)
        covered = np.concatenate([np.arange(a, b) for a, b in blocks])
        np.testing.assert_array_equal(covered, np.arange(count))


@pytest.mark.parametrize(
    "options",
    [{}, {"window": "sakoechiba", "radius": 25, "sqrt": True}, {"metric": "rbf"},
     {"step_pattern": "symmetric2", "metric": "cosine"}],
)  # fmt: skip
def test_symmetric_and_cross_matrices_equal_the_local_ones(cluster, options):  # noqa: F811
    address, _ = cluster
    xs, ys = _series(9, 3, 1), _series(5, 3, 2)
    np.testing.assert_array_equal(
        pairwise_dtw(xs, scheduler=address, **options), pairwise_dtw(xs, **options)
    )
    np.testing.assert_array_equal(
        pairwise_dtw(xs, ys, scheduler=address, **options), pairwise_dtw(xs, ys, **options)
    )


def test_a_local_cluster(tmp_path):
    xs = _series(6, 2, 3)
    np.testing.assert_array_equal(pairwise_dtw(xs, scheduler="local", n_jobs=2), pairwise_dtw(xs))


def test_the_command_on_a_cluster(cluster, tmp_path, monkeypatch):  # noqa: F811
    address, _ = cluster
    monkeypatch.chdir(tmp_path)
    names = []
    for k, series in enumerate(_series(5, 2, 4)):
        np.save(f"s{k}.npy", series)
        names.append(f"s{k}.npy")
    local = cli("matrix", *names, "-o", "local.npy")
    assert local.code == 0, local.stderr
    remote = cli("matrix", *names, "--scheduler", address, "-o", "remote.npy")
    assert remote.code == 0, remote.stderr
    np.testing.assert_array_equal(np.load("remote.npy"), np.load("local.npy"))
    before = sorted(os.listdir(tmp_path))
    outcome = cli("matrix", *names, "--scheduler", address, "--knn", "2", "-o", "k.csv")
    assert_one_line_error(outcome, "--scheduler", "--knn")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        outcome = cli("matrix", *names, "--scheduler", "tcp://127.0.0.1:9", "-o", "x.npy")
    assert_one_line_error(outcome, "--scheduler tcp://127.0.0.1:9", "cannot connect")
    assert sorted(os.listdir(tmp_path)) == before
