"""Property tests of the run loader (issue 12, point 9): whatever is done to a valid saved run,
``History.load`` either returns a valid History or raises RunFileError: never another exception,
never a hang (each load runs under a 10 s alarm).

Mutations: a value anywhere in run.json replaced by arbitrary JSON (NaN, inf and huge integers
included) or its key deleted; run.json's bytes flipped, cut or inserted; the table's bytes
flipped or cut, with run.json's checksum left or updated to match; the table's columns dropped,
renamed, retyped, its rows reordered, repeated or dropped, with the checksum (and optionally the
row count) updated. A History that loads must be valid: it saves and loads again to the same
table, members and meta, and an unmutated run loads equal to the original. Hypothesis runs
derandomized and without an example database, so every run tries the same examples (about 12 s
for the four tests here, 80 examples each; a randomized run of 1,500 examples each found no failure).
"""
import copy
import hashlib
import io
import json
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lab import History, RunFileError

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def original_history() -> History:
    history = History({"seed": [0, 1, 2], "tau": [0.1, 0.1, 1.0]},
                      meta={"config": {"rate": 0.1, "name": "a"}, "seed": 0})
    rng = np.random.default_rng(0)
    for step in range(0, 50, 10):
        history.append(step, {"x": rng.normal(size=3), "loss": float(step)})
    return history


def saved_files() -> tuple[dict, str, bytes]:
    with tempfile.TemporaryDirectory() as directory:
        run = original_history().save(Path(directory) / "run")
        manifest = json.loads((run / "run.json").read_text())
        return manifest, manifest["table"], (run / manifest["table"]).read_bytes()


ORIGINAL = original_history()
MANIFEST, TABLE_NAME, TABLE = saved_files()


@contextmanager
def time_limit(seconds: float):
    def timeout(signum, frame):
        raise TimeoutError(f"History.load took over {seconds} s")
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def same(a: History, b: History) -> None:
    pd.testing.assert_frame_equal(a.frame(), b.frame())
    assert a.members == b.members
    assert json.dumps(a.meta, sort_keys=True) == json.dumps(b.meta, sort_keys=True)  # NaN-proof


def load_or_run_file_error(manifest_bytes: bytes, table: bytes) -> History | None:
    """Write a run of these two files and load it: a valid History, or None for a RunFileError."""
    with tempfile.TemporaryDirectory() as directory:
        run = Path(directory) / "run"
        run.mkdir()
        (run / "run.json").write_bytes(manifest_bytes)
        (run / TABLE_NAME).write_bytes(table)
        try:
            with time_limit(10):
                loaded = History.load(run)
        except RunFileError:
            return None
        same(History.load(loaded.save(Path(directory) / "again")), loaded)
        return loaded


def stamped(manifest: dict, table: bytes, rows: int | None = None) -> bytes:
    """``manifest`` with the table's size and checksum (and row count) updated, as JSON bytes."""
    manifest = {**manifest, "table_bytes": len(table), "table_sha256": hashlib.sha256(table).hexdigest()}
    if rows is not None:
        manifest["rows"] = rows
    return json.dumps(manifest).encode()


def test_the_unmutated_run_loads_equal_to_the_original():
    same(load_or_run_file_error(json.dumps(MANIFEST).encode(), TABLE), ORIGINAL)


# --- run.json --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-10**400, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20)


def paths(value, prefix=()):
    """Every place in a JSON document, as a tuple of keys and indices."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


@st.composite
def mutated_manifests(draw) -> dict | list:
    manifest = copy.deepcopy(MANIFEST)
    for _ in range(draw(st.integers(1, 3))):
        place = draw(st.sampled_from(list(paths(manifest))))
        if not place:
            return draw(json_values)
        parent = manifest
        for key in place[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[place[-1]]
        else:
            parent[place[-1]] = draw(json_values)
    return manifest


@SETTINGS
@given(mutated_manifests())
def test_any_json_in_run_json_loads_or_is_a_run_file_error(manifest):
    load_or_run_file_error(json.dumps(manifest).encode(), TABLE)


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """``data`` with bytes flipped, cut or inserted."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        how = draw(st.sampled_from(["flip", "cut", "insert"]))
        if how == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@SETTINGS
@given(damaged(json.dumps(MANIFEST).encode()))
def test_damaged_run_json_bytes_load_or_are_a_run_file_error(manifest_bytes):
    load_or_run_file_error(manifest_bytes, TABLE)


# --- the table -------------------------------------------------------------------------------

@SETTINGS
@given(damaged(TABLE), st.booleans())
def test_damaged_table_bytes_load_or_are_a_run_file_error(table, update_checksum):
    manifest = stamped(MANIFEST, table) if update_checksum else json.dumps(MANIFEST).encode()
    loaded = load_or_run_file_error(manifest, table)
    assert update_checksum or loaded is None or table == TABLE


COLUMNS = ["step", "member", "seed", "tau", "x", "loss"]
RETYPES = ["str", "float64", "int32", "uint64", "bool", "object"]


@st.composite
def edited_tables(draw) -> tuple[bytes, int | None]:
    """The table with columns dropped, renamed or retyped and rows reordered, repeated or dropped,
    as Parquet bytes, and the row count to write into run.json (None: leave it)."""
    frame = pd.read_parquet(io.BytesIO(TABLE))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["drop", "rename", "retype", "reorder", "repeat", "cut"]))
        column = draw(st.sampled_from(COLUMNS))
        if how == "drop" and column in frame:
            frame = frame.drop(columns=column)
        elif how == "rename" and column in frame:
            frame = frame.rename(columns={column: draw(st.sampled_from(COLUMNS) | st.text(max_size=5))})
        elif how == "retype" and column in frame:
            try:
                frame[column] = frame[column].astype(draw(st.sampled_from(RETYPES)))
            except (ValueError, TypeError):
                pass  # e.g. NaN as an integer: that retype is not possible
        elif how == "reorder":
            frame = frame.iloc[draw(st.permutations(range(len(frame))))]
        elif how == "repeat":
            frame = pd.concat([frame, frame.iloc[: draw(st.integers(0, len(frame)))]])
        elif how == "cut":
            frame = frame.iloc[: draw(st.integers(0, len(frame)))]
    buffer = io.BytesIO()  # through pyarrow, which (unlike pandas) writes columns of the same name
    pq.write_table(pa.Table.from_arrays([pa.array(frame.iloc[:, i]) for i in range(frame.shape[1])],
                                        names=list(frame.columns)), buffer)
    return buffer.getvalue(), draw(st.sampled_from([None, len(frame)]))


@SETTINGS
@given(edited_tables())
def test_edited_table_columns_and_rows_load_or_are_a_run_file_error(edit):
    table, rows = edit
    load_or_run_file_error(stamped(MANIFEST, table, rows), table)


def test_a_hang_would_fail():
    """The time limit interrupts a load that takes too long (so a hang is a failure, not a stall)."""
    with pytest.raises(TimeoutError), time_limit(0.05):
        while True:
            pass
