"""Writing tables as CSV text, the same text as pandas' ``to_csv`` in a fraction of the time.

This module owns the text of every large CSV the project writes (the ledger, the SSDA903
episodes, the indicators). ``DataFrame.to_csv`` formats a value at a time through Python's
``csv`` writer: a national run's 1.4 million ledger rows took 4.6 s to format. Here each
column is formatted once per distinct value (dates, codes, names and prices repeat) and rows
are joined as strings. The text is pandas' own, character for character: numbers as
``numpy``'s ``astype(str)`` (what pandas uses), missing values empty, dates as
``YYYY-MM-DD``, and fields quoted as Python's ``csv.QUOTE_MINIMAL`` quotes them. A frame with
a column this module does not format (categories, mixed objects, times of day) is written by
pandas itself, so the text never depends on which path wrote it.
"""

from __future__ import annotations

import contextlib
import gzip
import queue
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from sim.runtime import paused_gc

_NEEDS_QUOTES = (",", '"', "\n", "\r")


def _quote(text: str) -> str:
    """``text`` as ``csv.QUOTE_MINIMAL`` writes it in a row of several fields."""
    if any(ch in text for ch in _NEEDS_QUOTES):
        return '"' + text.replace('"', '""') + '"'
    return text


def _by_distinct(values: pd.Series, fmt) -> np.ndarray | None:
    """Each value's text, formatting each distinct value once; missing values empty."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = fmt(uniques)
    if text is None:
        return None
    table = np.empty(len(text) + 1, dtype=object)
    table[:-1] = text
    table[-1] = ""
    return table[codes]  # code -1 (missing) takes the last entry, ""


def _integers(uniques) -> list[str]:
    return list(map(str, np.asarray(uniques).tolist()))


def _floats(uniques) -> list[str]:
    values = np.asarray(uniques)
    if values.dtype == np.float64:
        # Python's repr of a float64 is numpy's astype(str) (both the shortest text that
        # reads back as the same number, in the same notation) at a third of the cost.
        return list(map(repr, values.tolist()))
    return values.astype(str).tolist()


def _strings(uniques) -> list[str] | None:
    values = list(uniques)
    if not all(isinstance(v, str) for v in values):
        return None
    return [_quote(v) for v in values]


def _dates(uniques) -> list[str] | None:
    idx = pd.DatetimeIndex(uniques)
    if len(idx) and not (idx == idx.normalize()).all():
        return None  # a time of day: pandas' own format, not re-implemented here
    return list(idx.strftime("%Y-%m-%d"))


def _column_text(col: pd.Series) -> np.ndarray | None:
    """The CSV text of each value in ``col``, or None for a dtype handled by pandas only."""
    dtype = col.dtype
    if not isinstance(dtype, np.dtype):
        if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            return _by_distinct(col, _strings)
        return None  # nullable integers, categories, ...: pandas formats them
    if dtype.kind == "b":
        return np.where(col.to_numpy(), "True", "False").astype(object)
    if dtype.kind in "iu":
        return _by_distinct(col, _integers)
    if dtype.kind == "f":
        return _by_distinct(col, _floats)
    if dtype.kind == "M":
        return _by_distinct(col, _dates)
    if dtype.kind == "O":
        return _by_distinct(col, _strings)
    return None


# Rows formatted and written at a time: a few MB of text, so that a large table is never
# held as text in full (a national ledger is 150 MB of text).
CHUNK_ROWS = 50_000


def csv_chunks(frame: pd.DataFrame) -> Iterator[bytes]:
    """The UTF-8 text ``frame.to_csv(index=False)`` writes, a run of rows at a time."""
    with paused_gc():  # millions of short strings: the collector would scan them in vain
        columns = []
        for name in frame.columns:
            text = _column_text(frame[name]) if len(frame.columns) > 1 else None
            if text is None:  # pandas' own rules (and a lone empty field is quoted)
                yield frame.to_csv(index=False).encode("utf-8")
                return
            columns.append(text)
        yield (",".join(_quote(str(name)) for name in frame.columns) + "\n").encode("utf-8")
        for start in range(0, len(frame), CHUNK_ROWS):
            rows = zip(*(c[start : start + CHUNK_ROWS].tolist() for c in columns), strict=True)
            yield ("\n".join(map(",".join, rows)) + "\n").encode("utf-8")


def csv_text(frame: pd.DataFrame) -> str:
    """The text ``frame.to_csv(index=False)`` writes."""
    return b"".join(csv_chunks(frame)).decode("utf-8")


def write_csv(frame: pd.DataFrame, path: Path | str, *, gzip_level: int | None = None) -> None:
    """Write ``frame`` as ``frame.to_csv(path, index=False)`` would (gzip if a level is given).

    Args:
        frame: The table; its index is not written.
        path: The file to write.
        gzip_level: zlib level 1-9 for a gzip file (mtime 0, so the same table gives the
            same bytes), or None for plain text.
    """
    with _open(Path(path), gzip_level) as fh:
        for chunk in csv_chunks(frame):
            fh.write(chunk)


def write_csv_later(
    frame: pd.DataFrame, path: Path | str, *, gzip_level: int | None = None
) -> Future:
    """Write ``frame`` as ``write_csv`` does, compressing and writing on a second thread.

    This thread formats the rows and hands them over a few MB at a time; the second thread
    compresses and writes them (zlib lets go of the interpreter while it compresses), so the
    two run side by side. When this returns every row has been formatted: the caller may
    change or drop ``frame`` at once.

    Returns:
        A future whose ``result()`` waits for the file and raises what the writing raised.
    """
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)

    def drain() -> None:
        with _open(Path(path), gzip_level) as fh:
            while (chunk := chunks.get()) is not None:
                fh.write(chunk)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-csv")
    future = pool.submit(drain)
    pool.shutdown(wait=False)
    try:
        for chunk in csv_chunks(frame):
            while not _put(chunks, chunk, future):
                pass
    finally:
        while not future.done() and not _put(chunks, None, future):
            pass
    return future


def _put(chunks: queue.Queue, item: bytes | None, future: Future) -> bool:
    """Hand ``item`` to the writing thread; True once taken or the thread has stopped."""
    if future.done():  # it failed: its error comes out of result()
        return True
    try:
        chunks.put(item, timeout=0.1)
    except queue.Full:
        return False
    return True


@contextlib.contextmanager
def _open(path: Path, gzip_level: int | None) -> Iterator[BinaryIO]:
    if gzip_level is None:
        with path.open("wb") as fh:
            yield fh
        return
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=gzip_level, mtime=0) as fh,
    ):
        yield fh
