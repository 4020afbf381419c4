"""seqalign.config: numba's cache folder falls back to a user cache on a read-only install, and
is emptied when a kernel source changes."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

import seqalign.config as config


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch):
    """Record NUMBA_CACHE_DIR so that whatever the reloads set is undone afterwards."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", "placeholder")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    yield


def test_read_only_package_uses_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    importlib.reload(config)
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "seqalign" / "numba")


def test_writable_package_keeps_numbas_default(monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: True)
    importlib.reload(config)
    assert "NUMBA_CACHE_DIR" not in os.environ


def test_an_explicit_cache_dir_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    importlib.reload(config)
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")


def test_a_kernel_change_empties_the_cache(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    (root / "dtw.sweep-1.py311.nbi").write_bytes(b"old")
    (root / "sub").mkdir()
    (root / "sub" / "soft.x-2.py311.1.nbc").write_bytes(b"old")
    (root / "keep.txt").write_text("not numba's")
    config._drop_stale_cache(root)  # no stamp yet: unknown kernels, so the cache goes
    assert sorted(p.name for p in root.rglob("*")) == ["keep.txt", config.STAMP, "sub"]
    (root / "dtw.sweep-1.py311.nbi").write_bytes(b"new")
    config._drop_stale_cache(root)  # same kernels: kept
    assert (root / "dtw.sweep-1.py311.nbi").exists()
    (root / config.STAMP).write_text("an older version")
    config._drop_stale_cache(root)
    assert not (root / "dtw.sweep-1.py311.nbi").exists()


def test_the_stamp_is_sizes_and_times_of_the_sources():
    """No hashing at start: one line per kernel source (and config.py), from stat only."""
    lines = config._fingerprint().splitlines()
    kernels = sorted(p.name for p in (Path(config.__file__).parent / "_kernels").glob("*.py"))
    assert [line.split()[0] for line in lines] == [*kernels, "config.py"]
    assert config._fingerprint() == config._fingerprint()


def test_the_cache_dir_is_numbas(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert config.cache_dir() == tmp_path
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert config.cache_dir() == Path(config.__file__).resolve().parent / "_kernels" / "__pycache__"
