"""The one error every reader raises for bad input: :class:`InputError`.

A reader validates its whole input before it returns, so a pipeline that only writes to a store
after its readers return never writes anything from a bad file. The error names the place of the
problem in one line, e.g.::

    data/x.json.gz line 17: truncated JSON (Expecting ',' delimiter)
    catalog.csv: missing required column 'product_id'
    ratings.csv line 4 column 'rating': 'abc' is not a number
    ratings.parquet row 4 column 'rating': 'abc' is not a number
"""
from __future__ import annotations

import os


class InputError(ValueError):
    """Bad input data: names the file and, when known, the line (or row) and column of the problem.

    Parameters
    ----------
    file : str or os.PathLike
        The file as the user gave it (shown as is).
    message : str
        What is wrong, without the location.
    line : int, optional
        1-based physical line in a text file (the header of a CSV file is line 1).
    column : str, optional
        The column (or JSON field) as it is named in the file.
    row : int, optional
        1-based data row, for files without lines (Parquet).

    The location shows the column only together with a line or row (a cell); an error about a
    whole column (e.g. a missing one) names the column in ``message`` and sets ``column`` too.
    """

    def __init__(self, file: str | os.PathLike, message: str, *, line: int | None = None,
                 column: str | None = None, row: int | None = None) -> None:
        self.file = os.fspath(file)
        self.message = " ".join(str(message).split())  # always one line
        self.line = None if line is None else int(line)
        self.column = column
        self.row = None if row is None else int(row)
        super().__init__(str(self))

    @property
    def location(self) -> str:
        """``file``, ``file line N``, ``file row N`` or ``file line N column 'c'``."""
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None and (self.line is not None or self.row is not None):
            parts.append(f"column {self.column!r}")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def __reduce__(self):  # keep the keyword-only fields when pickled (multiprocessing)
        return (_rebuild, (self.file, self.message, self.line, self.column, self.row))


def _rebuild(file, message, line, column, row) -> InputError:
    return InputError(file, message, line=line, column=column, row=row)
