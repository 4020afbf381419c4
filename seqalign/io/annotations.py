"""Read what ``seqalign evaluate`` compares: change point locations, lengths and time maps.

Change point files (:func:`read_locations`), told apart by their content:

* in TCPDBench's convention, ``"tcpd"``: TCPD's ``annotations.json`` (dataset -> annotator ->
  locations; one dataset is chosen), one dataset's ``{annotator: [locations]}``, TCPDBench's
  result files (``cplocations``);
* in the ``"index"`` convention: seqalign's boundaries, CSV with an ``index`` column
  (``index,time``) or JSON with ``breakpoints`` (a last one equal to ``n``, or the last one
  when ``n`` is absent, as in ruptures, is the end, not a boundary);
* taken as they are: a JSON list (of locations, or of lists, one per annotator), or text
  with one location per line (under a header naming one column, or none).

The conventions (:data:`CONVENTIONS`) differ by one: seqalign's and ruptures' breakpoint ``b``
starts a new segment; TCPDBench's location is ``b - 1``, and TCPD's annotations are made in it.
:meth:`Locations.resolve` converts, so that scores equal TCPDBench's.

Paths and time maps are read by :mod:`seqalign.io.timemaps`; :func:`evaluation_kind` tells
them from change points.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from seqalign.errors import InputError
from seqalign.io.sequence import display_name

__all__ = [
    "CONVENTIONS",
    "Loaded",
    "Locations",
    "evaluation_kind",
    "header_row",
    "is_json",
    "is_number",
    "load",
    "parse_json",
    "read_length",
    "read_locations",
    "text_rows",
]

#: Convention name -> what a number in a change point file means.
CONVENTIONS: dict[str, str] = {
    "index": "the first index of a new segment (seqalign's and ruptures' breakpoints)",
    "tcpd": "TCPDBench's location: the breakpoint minus one (TCPD's annotations)",
}
_SHIFT = {("index", "tcpd"): -1, ("tcpd", "index"): 1}


@dataclass(frozen=True)
class Loaded:
    """The bytes of a file, or of standard input (``source == "-"``), read once."""

    source: str
    data: bytes

    @property
    def name(self) -> str:
        return display_name(self.source)


def load(source: str | os.PathLike[str] | Loaded) -> Loaded:
    """Read a file (or ``-``, standard input) whole; missing, unreadable or empty is an error."""
    if isinstance(source, Loaded):
        return source
    source = os.fsdecode(source)
    name = display_name(source)
    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(source, "rb") as stream:
                data = stream.read()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror or error})") from None
    if not data.strip():
        raise InputError(f"{name}: is empty" if source != "-" else f"{name}: no data")
    return Loaded(source, data)


def _text(file: Loaded) -> str:
    try:
        return file.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{file.name}: is not UTF-8 text (byte {error.start})") from None


def is_json(file: Loaded) -> bool:
    """Whether a loaded file holds JSON (its first non-blank byte opens an object or array)."""
    return file.data.lstrip()[:1] in (b"{", b"[")


def parse_json(file: Loaded) -> Any:
    """A loaded file's JSON value; invalid JSON is an :class:`InputError` naming the line."""
    try:
        return json.loads(_text(file))
    except json.JSONDecodeError as error:
        raise InputError(
            f"{file.name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def text_rows(file: Loaded) -> list[tuple[int, list[str]]]:
    """Non-blank rows of a delimited text file and their line numbers."""
    text = _text(file)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in ("\t", ",", ";") if d in first), None)
    if delimiter is None:
        numbered = [(k, line.split()) for k, line in enumerate(text.splitlines(), start=1)]
        return [(k, fields) for k, fields in numbered if fields]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, [f.strip() for f in row]) for row in reader if "".join(row).strip()]


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (``float`` accepts it: ``nan`` and ``inf`` too).

    Examples
    --------
    >>> is_number("1e3"), is_number("time")
    (True, False)
    """
    try:
        float(text)
    except ValueError:
        return False
    return True


def header_row(rows: list[tuple[int, list[str]]]) -> list[str] | None:
    """The column names of rows from :func:`text_rows` when the first row is not all numbers
    (a leading ``#`` dropped), else None."""
    if rows and not all(is_number(cell) for cell in rows[0][1]):
        return [cell.lstrip("#").strip() for cell in rows[0][1]]
    return None


# -- change point locations --------------------------------------------------------------------


@dataclass
class Locations:
    """Change point locations read from a file.

    Attributes
    ----------
    source : str
        The path as given, or ``"-"``.
    annotators : dict of str to list of int
        Annotator -> locations, as written in the file (one entry, ``"1"``, for a plain list).
    convention : str or None
        A key of :data:`CONVENTIONS`, or None when the file does not say (a plain list).
    form : str
        What the file was read as (for messages).
    n : int or None
    dataset : str or None
        Length of the series, and the TCPD dataset, when the file gives them.
    """

    source: str
    annotators: dict[str, list[int]]
    convention: str | None
    form: str
    n: int | None = None
    dataset: str | None = None

    def resolve(self, convention: str, n: int | None = None) -> dict[str, list[int]]:
        """The locations in ``convention``, each checked to lie in ``0 .. n - 1``.

        Examples
        --------
        >>> Locations("b.csv", {"1": [28, 60]}, "index", "boundaries").resolve("tcpd", 100)
        {'1': [27, 59]}
        """
        shift = _SHIFT.get((self.convention or convention, convention), 0)
        name = display_name(self.source)
        out = {}
        for annotator, values in self.annotators.items():
            moved = sorted({v + shift for v in values})
            bad = [v for v in moved if v < 0 or (n is not None and v >= n)]
            if bad:
                sign = "-" if shift < 0 else "+"
                how = f" ({bad[0] - shift} {sign} 1 under --convention {convention})"
                raise InputError(
                    f"{name}: location {bad[0]}{how if shift else ''} is outside 0.."
                    f"{'n - 1' if n is None else n - 1}" + ("" if n is None else f" (n = {n})"),
                    argument="convention" if shift else None,
                )
            out[annotator] = moved
        return out


def _whole(values: Any, where: str) -> list[int]:
    if not isinstance(values, list):
        raise InputError(f"{where}: expected a list of locations, got {values!r}"[:200])
    out = []
    for value in values:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not float(value).is_integer() or value < 0:
            raise InputError(f"{where}: {value!r} is not a location (a whole number >= 0)")
        out.append(int(value))
    return out


def _choose_dataset(
    file: Loaded, table: dict[str, Any], dataset: str | None, hints: list[str]
) -> str:
    """The dataset of a TCPD annotations file: asked, alone, or named by a hint."""
    names = sorted(table)
    if dataset is not None:
        if dataset not in table:
            raise InputError(
                f"{file.name}: no dataset {dataset!r} (--dataset); valid: {', '.join(names)}",
                argument="dataset",
            )
        return dataset
    if len(names) == 1:
        return names[0]
    stems = [os.path.splitext(os.path.basename(hint))[0] for hint in hints]
    exact = next((stem for stem in stems if stem in table), None)
    if exact is not None:
        return exact
    for stem in stems:
        prefixed = [n for n in names if stem.startswith(n) and stem[len(n)] in "_-."]
        if prefixed:
            return max(prefixed, key=len)
    raise InputError(
        f"{file.name}: holds {len(names)} datasets; choose one with --dataset (e.g. {names[0]})",
        argument="dataset",
    )


def _sibling_length(file: Loaded, dataset: str) -> int | None:
    """n_obs of ``DATASET.json`` beside a TCPD annotations file (TCPD's layout), if any."""
    if file.source == "-":
        return None
    path = os.path.join(os.path.dirname(os.path.abspath(file.source)), f"{dataset}.json")
    if not os.path.isfile(path):
        return None
    try:
        return read_length(path)[0]
    except InputError:
        return None


def _from_json(file: Loaded, value: Any, dataset: str | None, hints: list[str]) -> Locations:
    name, source = file.name, file.source
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            groups = {str(k + 1): _whole(v, f"{name}: list {k + 1}") for k, v in enumerate(value)}
            return Locations(source, groups, None, "lists of locations")
        return Locations(source, {"1": _whole(value, name)}, None, "a list of locations")
    if not isinstance(value, dict):
        raise InputError(f"{name}: expected a JSON object or list, got {type(value).__name__}")
    if "breakpoints" in value:
        points = _whole(value["breakpoints"], f"{name}: breakpoints")
        n = value.get("n", points[-1] if points else None)
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
            raise InputError(f"{name}: n must be a whole number >= 1, got {n!r}")
        if points and points[-1] == n:
            points = points[:-1]
        return Locations(source, {"1": points}, "index", "seqalign boundaries", n=n)
    result = value.get("result")
    found = result.get("cplocations") if isinstance(result, dict) else value.get("cplocations")
    if found is not None:
        label = value.get("dataset") if isinstance(value.get("dataset"), str) else None
        points = _whole(found, f"{name}: cplocations")
        return Locations(source, {"1": points}, "tcpd", "TCPDBench result", dataset=label)
    if "series" in value and "n_obs" in value:
        raise InputError(f"{name}: is a TCPD dataset (a series), not change points; give it as --n")
    if value and all(isinstance(v, dict) for v in value.values()):
        chosen = _choose_dataset(file, value, dataset, hints)
        groups = {
            str(k): _whole(v, f"{name}: dataset {chosen}, annotator {k}")
            for k, v in value[chosen].items()
        }
        if not groups:
            raise InputError(f"{name}: dataset {chosen} has no annotators")
        n = _sibling_length(file, chosen)
        return Locations(source, groups, "tcpd", "TCPD annotations", n=n, dataset=chosen)
    if value and all(isinstance(v, list) for v in value.values()):
        groups = {str(k): _whole(v, f"{name}: annotator {k}") for k, v in value.items()}
        return Locations(source, groups, "tcpd", "TCPD annotations")
    raise InputError(
        f"{name}: not change points: expected TCPD annotations, a 'breakpoints' object, "
        "'cplocations' or a list of locations"
    )


def _from_text(file: Loaded) -> Locations:
    rows = text_rows(file)
    header = header_row(rows)
    convention, column = None, 0
    if header is not None:
        rows = rows[1:]
        if "index" in header:
            convention, column = "index", header.index("index")
        elif len(header) > 1:
            raise InputError(
                f"{file.name}: no 'index' column among {', '.join(header)}; give one location "
                "per line, or seqalign's boundaries (index,time)"
            )
    elif any(len(fields) > 1 for _, fields in rows):
        line = next(k for k, fields in rows if len(fields) > 1)
        raise InputError(
            f"{file.name}: line {line} has several fields; give one location per line, or a "
            "header with an 'index' column"
        )
    values = []
    for line, fields in rows:
        text = fields[column] if column < len(fields) else ""
        number = float(text) if is_number(text) else math.nan
        if not (number.is_integer() and number >= 0):
            raise InputError(
                f"{file.name}: line {line}: {text!r} is not a location (a whole number >= 0)"
            )
        values.append(int(number))
    form = "seqalign boundaries" if convention else "one location per line"
    return Locations(file.source, {"1": values}, convention, form)


def read_locations(
    file: str | os.PathLike[str] | Loaded,
    *,
    dataset: str | None = None,
    hints: Iterable[str | None] = (),
    single: bool = False,
) -> Locations:
    """Read change point locations: annotations, or a prediction.

    Parameters
    ----------
    file : str, path-like or Loaded
        The file, or ``-`` for standard input.
    dataset : str, optional
        The dataset to take from TCPD's ``annotations.json`` (default: its only one, else the
        first of ``hints`` that names one, or whose file name does, or starts with one and
        ``_``, ``-`` or ``.``). Its ``n_obs`` is read from ``DATASET.json`` beside it if any.
    hints : iterable of str
        Dataset names or file names to infer the dataset from (None entries are skipped).
    single : bool
        Require one list of locations (a prediction).

    Returns
    -------
    Locations

    Raises
    ------
    InputError
        An unreadable or malformed file, an unknown or missing dataset, a bad value.

    Examples
    --------
    >>> read_locations(Loaded("-", b"index,time\\n28,0.28\\n")).annotators
    {'1': [28]}
    """
    file = load(file)
    if is_json(file):
        found = _from_json(file, parse_json(file), dataset, [h for h in hints if h])
    else:
        found = _from_text(file)
    if single and len(found.annotators) != 1:
        raise InputError(
            f"{file.name}: holds {len(found.annotators)} annotators ({found.form}); a prediction "
            "is one list of locations"
        )
    return found


def read_length(text: str) -> tuple[int, str | None]:
    """``--n``: a whole number, or a TCPD dataset file (its ``n_obs``) or seqalign boundaries
    JSON (its ``n``); returns n and the dataset's name (None if not given).

    Examples
    --------
    >>> read_length("100")
    (100, None)
    """
    if text.strip().isdigit():
        n = int(text)
        if n < 1:
            raise InputError(f"--n {text}: must be a whole number >= 1", argument="n")
        return n, None
    if not os.path.exists(text) and not text.endswith(".json"):
        raise InputError(f"--n {text}: not a whole number, nor a TCPD dataset file", argument="n")
    try:
        file = load(text)
        value = parse_json(file) if is_json(file) else None
    except InputError as error:
        raise InputError(f"--n {error.message}", argument="n") from None
    n = value.get("n_obs", value.get("n")) if isinstance(value, dict) else None
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError(
            f"--n {text}: no n_obs (a whole number >= 1) in this file; give a TCPD dataset "
            "file or a number",
            argument="n",
        )
    name = value.get("name")
    return n, name if isinstance(name, str) else None


def evaluation_kind(file: Loaded) -> str:
    """``"alignment"`` for a path or time map, else ``"segmentation"``, from the content.

    Examples
    --------
    >>> evaluation_kind(Loaded("p.csv", b"a_index,b_index,a_time,b_time\\n0,0,0,0\\n"))
    'alignment'
    >>> evaluation_kind(Loaded("b.csv", b"index,time\\n28,0.28\\n"))
    'segmentation'
    """
    if file.data[:2] == b"PK":
        return "alignment"
    if is_json(file):
        value = parse_json(file)
        timed = isinstance(value, dict) and ("path" in value or "a_time" in value)
        return "alignment" if timed else "segmentation"
    header = header_row(text_rows(file)) or []
    timed = sum(name.lower().endswith("time") for name in header) >= 2
    return "alignment" if timed or {"a_index", "b_index"} <= set(header) else "segmentation"
