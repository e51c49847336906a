"""The fast CSV writer gives pandas' own text, character for character, whatever the values."""

import gzip

import numpy as np
import pandas as pd
import pytest

from sim.io.tables import CHUNK_ROWS, csv_text, write_csv, write_csv_later


def awkward_frame(n: int = 7) -> pd.DataFrame:
    """Values that CSV writers get wrong: separators, quotes, line breaks, gaps, extremes."""
    rng = np.random.default_rng(3)
    names = ["plain", "a,b", 'say "hi"', "two\nlines", "", "Kingston upon Hull, City of", "é"]
    floats = [0.1, 1e16, 1e-5, -0.0, np.inf, np.nan, 123456.789]
    return pd.DataFrame(
        {
            "name": pd.Series([names[i % len(names)] for i in range(n)], dtype="str"),
            "maybe": pd.Series([None if i % 3 == 0 else f"x{i}" for i in range(n)], dtype=object),
            "count": rng.integers(-5, 10**12, n),
            "small": rng.integers(0, 3, n).astype(np.int8),
            "value": [floats[i % len(floats)] for i in range(n)],
            "price": np.round(rng.random(n) * 1000, 2),
            "flag": rng.random(n) < 0.5,
            "date": pd.to_datetime(["2024-03-31", None, "2025-04-01", "2031-12-31"] * n)[:n],
            'col "q"': np.arange(n),
        }
    )


def test_same_text_as_pandas_for_awkward_values():
    frame = awkward_frame()
    assert csv_text(frame) == frame.to_csv(index=False)


def test_same_text_across_chunks_and_for_edge_shapes():
    big = awkward_frame(2 * CHUNK_ROWS + 3)
    assert csv_text(big) == big.to_csv(index=False)
    for frame in (big.iloc[:0], big[["name"]], big[["maybe"]], big.iloc[:1]):
        assert csv_text(frame) == frame.to_csv(index=False)


def test_columns_it_does_not_format_are_left_to_pandas():
    frame = pd.DataFrame(
        {
            "cat": pd.Categorical(["a", "b", "a"]),
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "when": pd.to_datetime(["2024-03-31 12:30", "2024-04-01 00:00", None]),
            "mixed": [1, "a", 2.5],
        }
    )
    for cols in (["cat", "nullable"], ["when", "mixed"], ["nullable", "mixed"]):
        assert csv_text(frame[cols]) == frame[cols].to_csv(index=False)


def test_files_plain_gzip_and_on_a_thread(tmp_path):
    frame = awkward_frame(CHUNK_ROWS + 11)
    expected = frame.to_csv(index=False)
    write_csv(frame, tmp_path / "a.csv")
    write_csv(frame, tmp_path / "b.csv.gz", gzip_level=4)
    write_csv_later(frame, tmp_path / "c.csv.gz", gzip_level=4).result()
    assert (tmp_path / "a.csv").read_text() == expected
    assert gzip.decompress((tmp_path / "b.csv.gz").read_bytes()).decode() == expected
    assert (tmp_path / "b.csv.gz").read_bytes() == (tmp_path / "c.csv.gz").read_bytes()
    assert pd.read_csv(tmp_path / "c.csv.gz").shape == frame.shape


def test_a_failed_write_on_the_thread_is_raised(tmp_path):
    future = write_csv_later(awkward_frame(CHUNK_ROWS * 3), tmp_path / "missing" / "x.csv")
    with pytest.raises(FileNotFoundError):
        future.result()
