"""One JSON sanitiser for everything kgmine writes as JSON (metrics files, ``--json`` output, cached runs).

:func:`to_jsonable` turns numpy / pandas values into plain Python ones, recursively. It imports neither
numpy nor pandas: a DataFrame or a pandas missing value can only be met if pandas is already loaded.
"""
from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


def _is_missing(value: Any) -> bool:
    """None, a non-finite float (JSON has no NaN or Infinity), or a pandas missing scalar (NA, NaT)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return True
    pd = sys.modules.get("pandas")
    if pd is None or isinstance(value, (str, bytes)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def to_jsonable(value: Any, *, nulls: bool = False, default: Callable[[Any], Any] | None = None) -> Any:
    """``value`` with plain Python containers and scalars only, ready for ``json.dumps``.

    * dict -> dict with ``str`` keys; list, tuple and array -> list (recursively);
    * a DataFrame -> its records (``DataFrame.to_json(orient="records")``, so NaN is null);
    * numpy scalars (anything with ``.item()``) -> Python numbers, bools, datetimes;
    * ``nulls``: None, NaN, +-inf, pandas NA / NaT -> None;
    * ``default``: applied to whatever is still not a str, int, float, bool or None (e.g. ``str``);
      without it such values are returned unchanged.
    """
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="records"))
    if hasattr(value, "item"):  # numpy scalars
        try:
            value = value.item()
        except (ValueError, AttributeError, TypeError):  # arrays of more than one value
            pass
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, nulls=nulls, default=default) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        return [to_jsonable(v, nulls=nulls, default=default) for v in value]
    if nulls and _is_missing(value):
        return None
    if default is not None and not isinstance(value, _PLAIN):
        return default(value)
    return value
