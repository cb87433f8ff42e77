"""The one shared SparkSession kgmine uses, and the install hint when pyspark is missing.

``spark_session(master)`` returns the active session or builds one: master URL from the argument,
else ``KGMINE_SPARK_MASTER``, else ``local[*]``; the web UI off, few shuffle partitions (the
default 200 makes small local jobs spend most of their time scheduling empty tasks), Python
workers reused (so a model cached in an importable module loads once per worker), and
``PYSPARK_PYTHON`` set to this interpreter so workers see the same packages (pyarrow, numpy).
"""
from __future__ import annotations

import os
import sys
from typing import Any

MASTER_ENV = "KGMINE_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
INSTALL_HINT = 'the Spark engine needs pyspark: pip install "kgmine[spark]"'
SHUFFLE_PARTITIONS = 4


class SparkMissing(ImportError):
    """pyspark is not installed; the message is the one-line install hint."""


def master_url(master: str | None = None) -> str:
    """The master URL to use: ``master``, else ``$KGMINE_SPARK_MASTER``, else ``local[*]``."""
    return master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER


def require_pyspark() -> Any:
    """The ``pyspark`` module, or :class:`SparkMissing` with the install hint."""
    try:
        import pyspark
    except ImportError as exc:
        raise SparkMissing(INSTALL_HINT) from exc
    return pyspark


def spark_session(master: str | None = None, app_name: str = "kgmine") -> Any:
    """The active SparkSession, or a new one on :func:`master_url` (see the module docstring).

    A session that is already running is returned as it is (Spark allows one per process), whatever
    ``master`` says.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master_url(master)).appName(app_name)
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
               .config("spark.default.parallelism", str(SHUFFLE_PARTITIONS))
               .config("spark.python.worker.reuse", "true")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


__all__ = ["DEFAULT_MASTER", "INSTALL_HINT", "MASTER_ENV", "SparkMissing", "master_url", "require_pyspark",
           "spark_session"]
