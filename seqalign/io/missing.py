"""What to do with missing values (NaN, empty cells) in an input: the ``--missing`` policy.

``error`` (the default) refuses them with the file, line or frame and column at fault;
``interpolate`` fills each gap linearly in time from its neighbours in the same column
(gaps at either end take the nearest value); ``drop`` removes every frame with a missing
value. Infinite values (``inf``, ``-inf``: a division by zero, a log of 0) count as missing:
no distance can use them, so every policy treats them as NaN.
"""

from __future__ import annotations

import numpy as np

from seqalign.errors import InputError

#: Policy name -> what it does (the valid values of ``--missing``).
MISSING_POLICIES: dict[str, str] = {
    "error": "refuse inputs with missing values",
    "interpolate": "fill gaps linearly in time (the nearest value at either end)",
    "drop": "remove frames with a missing value",
}


def resolve_missing(
    data: np.ndarray,
    policy: str,
    name: str,
    times: np.ndarray | None = None,
    features: tuple[str, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Apply ``policy`` to the missing (NaN) and infinite cells of ``data`` (frames x features).

    Parameters
    ----------
    data : ndarray, shape (n_frames, n_features)
    policy : {"error", "interpolate", "drop"}
    name : str
        The input's name for messages.
    times : ndarray, shape (n_frames,), optional
        Time of each frame (default: the frame index), for interpolation; returned with the
        dropped frames removed.
    features : tuple of str, optional
        A name per feature (table columns), for messages.

    Returns
    -------
    (data, times)

    Examples
    --------
    >>> x = np.array([[1.0], [np.nan], [3.0], [np.nan]])
    >>> resolve_missing(x, "interpolate", "x")[0].ravel().tolist()
    [1.0, 2.0, 3.0, 3.0]
    >>> resolve_missing(x, "drop", "x")[0].ravel().tolist()
    [1.0, 3.0]
    >>> resolve_missing(np.array([[1.0], [np.inf], [3.0]]), "interpolate", "x")[0].ravel().tolist()
    [1.0, 2.0, 3.0]
    """
    if policy not in MISSING_POLICIES:
        raise InputError(
            f"unknown missing-value policy {policy!r} (--missing); valid: "
            f"{', '.join(MISSING_POLICIES)}",
            argument="missing",
        )
    missing = ~np.isfinite(data)
    if not missing.any():
        return data, times
    if policy == "error":
        frame, feature = (int(k) for k in np.argwhere(missing)[0])
        value = float(data[frame, feature])
        label = f"feature {feature}"
        if features is not None:
            label += f" ({features[feature]})"
        raise InputError(
            f"{name}: frame {frame}, {label} is {'NaN' if np.isnan(value) else value}; give "
            f"--missing interpolate or --missing drop ({int(missing.sum())} in all)",
            argument="missing",
        )
    if policy == "drop":
        keep = ~missing.any(axis=1)
        if not keep.any():
            raise InputError(f"{name}: every frame has a missing value (--missing drop)")
        return np.ascontiguousarray(data[keep]), None if times is None else times[keep]
    grid = np.arange(data.shape[0], dtype=np.float64) if times is None else times
    out = data.copy()
    for j in np.flatnonzero(missing.any(axis=0)):
        known = ~missing[:, j]
        if not known.any():
            raise InputError(
                f"{name}: feature {j} has no values at all; nothing to interpolate from "
                "(--missing interpolate)"
            )
        out[~known, j] = np.interp(grid[~known], grid[known], data[known, j])
    return out, times
