"""Option values without pydantic, for a fast start.

typer 0.29 converts every value of every option (defaults included) through a pydantic
``TypeAdapter``: importing pydantic and building the adapters costs 0.1-0.2 s per run, a
fifth of a small job. :func:`install` gives the parameters of a command whose type is
``str``, ``int``, ``float``, ``bool`` or ``list[str]`` (every seqalign option) a converter
that takes the values needing no conversion, or only an unambiguous one (``"512"`` -> 512,
``"2.5"`` -> 2.5), and hands anything else to typer's own converter, built on first use: a
bad value reads exactly as before. Commands take it through the :class:`PlainValues` mixin.

Standard library and typer only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]{1,3})?")

#: No plain conversion: ask typer.
_DECLINE = object()


def plain(kind: Any, value: Any) -> Any:
    """``value`` as ``kind`` (``str``, ``int``, ``float``, ``bool`` or ``list[str]``) when that
    needs no judgement, else :data:`_DECLINE`.

    >>> plain(int, "512"), plain(float, "2.5"), plain(list[str], ("a", "b"))
    (512, 2.5, ['a', 'b'])
    >>> plain(int, "0x10") is _DECLINE
    True
    """
    if kind is str or kind is bool:
        return value if type(value) is kind else _DECLINE
    if kind is int or kind is float:
        if type(value) is kind:
            return value
        pattern = _INT if kind is int else _FLOAT
        if type(value) is str and pattern.fullmatch(value):
            number = kind(value)
            return number if math.isfinite(number) else _DECLINE
        return _DECLINE
    if kind == list[str] and isinstance(value, (list, tuple)):
        return list(value) if all(type(v) is str for v in value) else _DECLINE
    return _DECLINE


def _simple(descriptor: Any) -> bool:
    info = descriptor.parameter_info
    if descriptor.annotation not in (str, int, float, bool, list[str]):
        return False
    return (
        getattr(descriptor, "file_annotation", None) is None
        and getattr(info, "parser", None) is None
        and getattr(info, "min", None) is None
        and getattr(info, "max", None) is None
        and not getattr(info, "clamp", False)
    )


def _plain_class() -> type | None:
    """typer's runtime converter with :func:`plain` first (None with another typer)."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:  # pragma: no cover - another typer
        return None

    @dataclass(frozen=True)
    class Plain(RuntimeParam):
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            result = plain(self.annotation, value)
            if result is not _DECLINE:
                return result
            typer_own = build_runtime_param(self.descriptor)
            return typer_own._coerce_value(value, param=param, ctx=ctx)

    return Plain


_PLAIN = _plain_class()


def install(params: Any) -> None:
    """Give every simple parameter in ``params`` (typer's click parameters) the plain
    converter, unless it has a converter already."""
    if _PLAIN is None:  # pragma: no cover
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", 0) is not None:
            continue
        if _simple(descriptor):
            param._runtime_param = _PLAIN(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )


class PlainValues:
    """Mixin for a typer command or group class: its parameters, ``--help`` included, take
    the plain converters (``class _Command(PlainValues, typer.core.TyperCommand)``)."""

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)  # type: ignore[misc]
        install(params)
        return params
