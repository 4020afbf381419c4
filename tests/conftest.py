"""Settings for the whole suite."""

from __future__ import annotations

import os

# The first command that compiles a kernel says so on standard error; with a cold numba cache
# (a fresh clone, as in CI) that line would land in whichever test ran first. The notice has
# its own tests (tests/test_startup.py), which turn it back on for their subprocesses.
os.environ["SEQALIGN_COMPILE_NOTICE"] = "0"
