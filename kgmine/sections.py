"""The base of every stage's config dataclass: one YAML section, one field per key, defaults in the class.

A stage declares its section as a :class:`Section` subclass next to its code (``kgmine/<stage>/config.py``)
with the section's dotted key (``key = "extract.relations"``); :mod:`kgmine.config` assembles them into
the pipeline config. Building one (directly or with :meth:`Section.from_dict` from YAML) converts the
values to the field types (YAML 1.1 reads ``1e-3`` as a string), builds nested sections from mappings,
then runs the subclass's :meth:`Section.check` of allowed values; every failure is a :class:`ConfigError`
naming the dotted key. This module imports nothing heavy, so neither does loading a config.
"""
from __future__ import annotations

import numbers
import os
import typing
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Any, ClassVar


class ConfigError(ValueError):
    """A pipeline config is invalid; the message names the file and the key."""


_SCALARS: dict[type, str] = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


@cache
def _field_types(cls: type) -> dict[str, tuple[Any, bool]]:
    """Field name -> (its type without ``None``, whether ``None`` is allowed)."""
    out = {}
    hints = typing.get_type_hints(cls)
    for name in (f.name for f in fields(cls)):
        hint = hints[name]
        args = typing.get_args(hint)
        optional = type(None) in args
        if optional:
            rest = [a for a in args if a is not type(None)]
            hint = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]
        out[name] = (hint, optional)
    return out


def _convert(value: Any, hint: Any) -> Any:
    """``value`` as ``hint`` (a scalar, ``list[str]``, ``dict[...]`` or a :class:`Section`); raises
    ``TypeError``/``ValueError`` with the reason when it is not one."""
    origin = typing.get_origin(hint) or hint
    if isinstance(origin, type) and issubclass(origin, Section):
        if isinstance(value, origin):
            return value
        if not isinstance(value, Mapping):
            raise TypeError("must be a mapping")
        return origin.from_dict(value)
    if origin is bool:
        if not isinstance(value, bool):
            raise TypeError(f"must be true or false, not {value!r}")
        return value
    if origin in (int, float):
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
            raise TypeError(f"must be {_SCALARS[origin]}, not {value!r}")
        if origin is int and not isinstance(value, (numbers.Integral, str)) and not float(value).is_integer():
            raise TypeError(f"must be {_SCALARS[origin]}, not {value!r}")
        return origin(value)  # a string that is no number raises ValueError
    if origin is str:
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
            raise TypeError(f"must be a string, not {value!r}")
        return str(value)
    if origin is list:
        if isinstance(value, (str, Mapping)) or not isinstance(value, Iterable):
            raise TypeError(f"must be a list, not {value!r}")
        (item,) = typing.get_args(hint) or (Any,)
        return list(value) if item is Any else [_convert(v, item) for v in value]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise TypeError(f"must be a mapping, not {value!r}")
        return dict(value)
    return value


@dataclass
class Section:
    """A config section: subclasses are dataclasses whose fields are the section's keys."""

    key: ClassVar[str] = ""  # the section's dotted YAML key ("" for the top level)

    def __post_init__(self) -> None:
        for name, (hint, optional) in _field_types(type(self)).items():
            value = getattr(self, name)
            if value is None and optional:
                continue
            try:
                setattr(self, name, _convert(value, hint))
            except ConfigError:
                raise
            except (TypeError, ValueError) as exc:
                why = str(exc) if isinstance(exc, TypeError) else f"must be {_SCALARS.get(hint, hint)}, not {value!r}"
                raise self.invalid(name, why) from None
        self.check()

    def check(self) -> None:
        """Raise :meth:`invalid` for a value that is not allowed (the subclasses' rules)."""

    @classmethod
    def dotted(cls, name: str) -> str:
        """The dotted key of field ``name``, e.g. ``extract.relations.min_confidence``."""
        return f"{cls.key}.{name}" if cls.key else name

    def invalid(self, name: str, why: str) -> ConfigError:
        """The error for field ``name``: ``<dotted key>: <why>``."""
        return ConfigError(f"{self.dotted(name)}: {why}")

    def one_of(self, name: str, choices: Iterable[Any]) -> None:
        """Field ``name`` must be one of ``choices`` (``None`` passes when the field allows it)."""
        value, choices = getattr(self, name), list(choices)
        if value is not None and value not in choices:
            raise self.invalid(name, f"must be one of {choices}, not {value!r}")

    def within(self, name: str, low: float, high: float | None = None) -> None:
        """Field ``name`` must lie in ``[low, high]`` (``high=None``: at least ``low``); ``None`` passes."""
        value = getattr(self, name)
        if value is not None and not (low <= value and (high is None or value <= high)):
            wanted = f"in [{low}, {high}]" if high is not None else f"at least {low}"
            raise self.invalid(name, f"must be {wanted}, not {value!r}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None, source: str | None = None):
        """The section from its YAML mapping: missing keys take the defaults, unknown keys raise
        :class:`ConfigError` naming the dotted key; with ``source`` (the file) every message starts with it."""
        try:
            if values is None:
                values = {}
            if not isinstance(values, Mapping):
                raise ConfigError(f"{cls.key or 'top level'} must be a mapping")
            known = sorted(f.name for f in fields(cls))
            for name in values:
                if name not in known:
                    raise ConfigError(f"unknown key {cls.dotted(str(name))!r} (known: {known})")
            return cls(**values)
        except ConfigError as exc:
            if source is None:
                raise
            raise ConfigError(f"{source}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The YAML section (plain types, nested sections as mappings)."""
        return asdict(self)
