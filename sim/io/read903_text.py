"""Reading an exported table's bytes as text cells: encodings, delimiters, empty edges.

This module owns how the bytes of a council's CSV export become a table of text cells, whatever
wrote it: UTF-8 with or without a byte-order mark, UTF-16 (as Excel's "Unicode text" saves),
Windows' cp1252 (a case-management system's default on a council PC), else latin-1; commas,
semicolons (Excel in a locale with decimal commas), tabs or bars between cells, taken from the
header line; and the empty rows and unnamed empty columns a spreadsheet leaves at a table's end
(``,,,,``). What it chose is returned, for the reader to say.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pandas as pd

DELIMITERS = (",", ";", "\t", "|")  # in order of preference when the header line ties
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


def decode(raw: bytes) -> tuple[str, str]:
    """The text of ``raw`` and the encoding it was read as.

    A byte-order mark decides (UTF-8, UTF-16); UTF-16 without one shows as a zero byte in every
    other position of the first characters (ASCII column names). Otherwise UTF-8 if it decodes,
    else cp1252, else latin-1 (which decodes any bytes: cp1252 leaves five undefined).
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8 with BOM"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    head = raw[:64]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and 0 not in head[0::2][:2]:
        return raw.decode("utf-16-le"), "utf-16"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4 and 0 not in head[1::2][:2]:
        return raw.decode("utf-16-be"), "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def delimiter(text: str) -> str:
    """The delimiter of a table: the one of ``DELIMITERS`` most used in its header line."""
    first = text.split("\n", 1)[0]
    counts = [first.count(d) for d in DELIMITERS]
    best = max(range(len(DELIMITERS)), key=lambda i: (counts[i], -i))
    return DELIMITERS[best] if counts[best] else ","


def drop_empty_edges(df: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """``df`` without its trailing empty rows and its unnamed empty columns.

    Cells are text ('' when empty). Rows are dropped only at the end (row numbers in messages
    stay those of the file); a column is dropped only when it has no name and no value.

    Returns:
        The table, and how many rows and columns were dropped.
    """
    empty_cols = [
        c
        for c in df.columns
        if (str(c).startswith("Unnamed:") or str(c).strip() == "") and (df[c] == "").all()
    ]
    if empty_cols:
        df = df.drop(columns=empty_cols)
    n = len(df)
    if len(df.columns):
        while n and all(v == "" for v in df.iloc[n - 1]):  # from the end: usually one row
            n -= 1
    dropped = len(df) - n
    return (df.iloc[:n] if dropped else df), dropped, len(empty_cols)


def read_text_table(path: Path) -> tuple[pd.DataFrame, dict[str, object]]:
    """A CSV export as a table of text cells ('' when empty), with how it was read.

    Returns:
        The table, and ``{"encoding", "delimiter", "empty_rows", "empty_columns"}``.
    """
    text, encoding = decode(Path(path).read_bytes())
    sep = delimiter(text)
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    df, rows, cols = drop_empty_edges(df)
    how = {
        "encoding": encoding,
        "delimiter": DELIMITER_NAMES[sep],
        "empty_rows": rows,
        "empty_columns": cols,
    }
    return df, how
