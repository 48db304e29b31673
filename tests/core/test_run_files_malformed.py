"""Every malformed saved run fails with a RunFileError that names the file and the fault (issue 12, point 8).

Each case starts from a valid saved run and breaks one thing, as a careless user, a crashed tool
or a hand edit would. Against the code before issue 12 (commit a8c8af4), 27 of these 55 cases
failed: 14 raised another exception (KeyError, ZeroDivisionError, TypeError, AttributeError,
OverflowError, UnicodeDecodeError, RecursionError, ValueError from numpy broadcasting, a 5,000-digit
integer or a NaN step) and 13 loaded silently (scrambled or out-of-range members, duplicate or
unordered steps, steps or metrics stored as text, labels that disagree with run.json or were
retyped, an unlisted column, a flipped byte in the table, 'metrics' given as a string or twice, a
nested label). Now all 55 raise RunFileError, and the test also checks that its message names the
file and the fault. To print each case's outcome with whatever ``lab`` is importable (for the code
before: ``git archive a8c8af4 lab | tar -x -C /tmp/before``, then run this with
``PYTHONPATH=/tmp/before`` from /tmp/before):

    OMP_NUM_THREADS=1 .venv/bin/python tests/core/test_run_files_malformed.py
"""
import hashlib
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lab import History, RunFileError

MANIFEST = "run.json"


def saved_run(directory: Path) -> Path:
    """A valid run: 4 members with two labels, 10 recorded steps, two metrics."""
    history = History({"seed": [0, 1, 2, 3], "tau": [0.1, 0.1, 1.0, 1.0]},
                      meta={"config": {"rate": 0.1}, "seed": 0})
    rng = np.random.default_rng(0)
    for step in range(0, 100, 10):
        history.append(step, {"x": rng.normal(size=4), "loss": float(step)})
    return history.save(directory)


# --- editing a saved run on disk (whatever the format names its table and however it checks it) ---

def manifest(run: Path) -> dict:
    return json.loads((run / MANIFEST).read_text())


def write_manifest(run: Path, data) -> None:
    (run / MANIFEST).write_text(json.dumps(data))


def table_file(run: Path) -> Path:
    return run / manifest(run).get("table", "history.parquet")


def read_table(run: Path) -> pd.DataFrame:
    return pd.read_parquet(table_file(run))


def write_table_bytes(run: Path, data: bytes, rows: int | None = None) -> None:
    """Replace the table's bytes and, as a tool rewriting it would, its recorded size and checksum."""
    info, path = manifest(run), table_file(run)
    path.write_bytes(data)
    if "table_sha256" in info:
        info["table_bytes"], info["table_sha256"] = len(data), hashlib.sha256(data).hexdigest()
    if rows is not None:
        info["rows"] = rows
    write_manifest(run, info)


def write_table(run: Path, frame: pd.DataFrame, keep_rows: bool = False) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    write_table_bytes(run, buffer.getvalue(), None if keep_rows else len(frame))


def edit(**changes):
    """A case that sets (or, with value ``...``, deletes) keys of run.json."""
    def apply(run):
        info = manifest(run)
        for key, value in changes.items():
            if value is ...:
                del info[key]
            else:
                info[key] = value
        write_manifest(run, info)
    return apply


def raw_manifest(text: str | bytes):
    def apply(run):
        (run / MANIFEST).write_bytes(text if isinstance(text, bytes) else text.encode())
    return apply


def frame_edit(change, keep_rows: bool = False):
    """A case that rewrites the table through ``change(frame) -> frame``."""
    def apply(run):
        write_table(run, change(read_table(run).copy()), keep_rows)
    return apply


def remove(run: Path, name: str) -> None:
    (run / name).unlink()


def scramble_members(frame):
    frame["member"] = np.random.default_rng(1).permutation(frame["member"].to_numpy())
    return frame


def duplicate_step(frame):
    return pd.concat([frame.iloc[:4], frame.iloc[:4], frame.iloc[4:]], ignore_index=True)


def swap_steps(frame):
    return pd.concat([frame.iloc[4:8], frame.iloc[:4], frame.iloc[8:]], ignore_index=True)


def set_step(value):
    def change(frame):
        steps = frame["step"].to_numpy().astype(type(value))
        steps[-4:] = value
        frame["step"] = steps
        return frame
    return change


def flip_byte(run):
    path = table_file(run)
    data = bytearray(path.read_bytes())
    values = read_table(run)["x"].to_numpy()
    at = bytes(data).find(values[5].tobytes())     # inside a value of a data page: still valid Parquet
    assert at > 0
    data[at + 3] ^= 0x40
    path.write_bytes(bytes(data))


def truncate_table(run):
    path = table_file(run)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def nested(depth: int) -> str:
    return '{"format": "x", "meta": ' + "[" * depth + "]" * depth + "}"


# (id, how the run is broken, the file the error must name, what it must say about the fault)
CASES = [
    ("no-directory", shutil.rmtree, "dir", "does not exist"),
    ("directory-is-a-file", lambda run: [shutil.rmtree(run), run.write_text("x")], "dir", "not a directory"),
    ("no-run.json", lambda run: remove(run, MANIFEST), "run.json", "missing"),
    ("no-table", lambda run: table_file(run).unlink(), "table", "missing"),
    ("run.json-is-a-directory", lambda run: [remove(run, MANIFEST), (run / MANIFEST).mkdir()], "run.json", "not a file"),
    ("table-is-a-directory", lambda run: [table_file(run).unlink(), table_file(run).mkdir()], "table", "not a file"),
    ("run.json-empty", raw_manifest(""), "run.json", "not valid JSON"),
    ("run.json-truncated", lambda run: raw_manifest((run / MANIFEST).read_text()[:60])(run), "run.json", "not valid JSON"),
    ("run.json-not-utf8", raw_manifest(b'{"format": "\xff\xfe"}'), "run.json", "UTF-8"),
    ("run.json-a-list", raw_manifest("[1, 2]"), "run.json", "JSON object"),
    ("run.json-null", raw_manifest("null"), "run.json", "JSON object"),
    ("run.json-deeply-nested", raw_manifest(nested(100_000)), "run.json", "nested"),
    ("huge-integer-literal", raw_manifest('{"rows": ' + "9" * 5000 + "}"), "run.json", "not valid JSON|digits"),
    ("no-format", edit(format=...), "run.json", "format"),
    ("unknown-format", edit(format="stability-lab-run/99"), "run.json", "format"),
    ("no-rows", edit(rows=...), "run.json", "'rows'.*missing"),
    ("no-population", edit(population=...), "run.json", "'population'.*missing"),
    ("no-members", edit(members=...), "run.json", "'members'.*missing"),
    ("no-metrics", edit(metrics=...), "run.json", "'metrics'.*missing"),
    ("population-0", edit(population=0), "run.json", "'population'.*at least 1"),
    ("population-negative", edit(population=-4), "run.json", "'population'.*at least 1"),
    ("population-string", edit(population="4"), "run.json", "'population'.*integer"),
    ("population-bool", edit(population=True), "run.json", "'population'.*integer"),
    ("population-nan", lambda run: raw_manifest((run / MANIFEST).read_text().replace(
        '"population": 4', '"population": NaN'))(run), "run.json", "'population'.*integer"),
    ("population-huge", edit(population=10**30), "run.json", "'population'|'members'"),
    ("rows-string", edit(rows="40"), "run.json", "'rows'.*integer"),
    ("rows-wrong", edit(rows=7), "table", "40 rows.*says 7"),
    ("rows-infinite", edit(rows=1e400), "run.json", "'rows'.*integer"),
    ("members-a-list", edit(members=[0, 1, 2, 3]), "run.json", "'members'"),
    ("members-too-short", lambda run: edit(members={**manifest(run)["members"], "seed": [0, 1]})(run),
     "run.json", "'seed'.*2 values.*population 4"),
    ("member-label-nested", lambda run: edit(members={**manifest(run)["members"], "tau": [[1], [2], [3], [4]]})(run),
     "run.json", "'tau'"),
    ("labels-disagree", lambda run: edit(members={**manifest(run)["members"], "seed": [9, 9, 9, 9]})(run),
     "table", "'seed'.*run.json"),
    ("metrics-a-string", edit(metrics="x"), "run.json", "'metrics'"),
    ("metrics-duplicated", edit(metrics=["x", "x"]), "run.json", "'metrics'.*twice|'metrics'.*repeat"),
    ("metric-not-in-table", edit(metrics=["x", "loss", "reward"]), "table", "reward"),
    ("meta-a-list", edit(meta=[1, 2]), "run.json", "'meta'"),
    ("table-truncated", truncate_table, "table", "Parquet|checksum|size"),
    ("table-empty-file", lambda run: table_file(run).write_bytes(b""), "table", "Parquet|checksum|size"),
    ("table-not-parquet", lambda run: write_table_bytes(run, b"step,member\n0,0\n"), "table", "Parquet"),
    ("table-byte-flipped", flip_byte, "table", "checksum"),
    ("metric-column-dropped", frame_edit(lambda f: f.drop(columns="x")), "table", "'x'"),
    ("step-column-dropped", frame_edit(lambda f: f.drop(columns="step")), "table", "'step'"),
    ("unknown-column", frame_edit(lambda f: f.assign(extra=1.0)), "table", "'extra'"),
    ("member-column-scrambled", frame_edit(scramble_members), "table", "'member'"),
    ("member-out-of-range", frame_edit(lambda f: f.assign(member=f["member"] + 3)), "table", "'member'"),
    ("duplicate-step-rows", frame_edit(duplicate_step), "table", "step"),
    ("steps-not-increasing", frame_edit(swap_steps), "table", "step.*increas"),
    ("inf-step", frame_edit(set_step(np.inf)), "table", "'step'"),
    ("nan-step", frame_edit(set_step(np.nan)), "table", "'step'"),
    ("huge-step", frame_edit(set_step(np.uint64(2**64 - 1))), "table", "'step'"),
    ("step-as-text", frame_edit(lambda f: f.assign(step=f["step"].astype(str))), "table", "'step'"),
    ("metric-as-text", frame_edit(lambda f: f.assign(x=f["x"].astype(str))), "table", "'x'"),
    ("label-retyped", frame_edit(lambda f: f.assign(seed=f["seed"].astype(float))), "table", "'seed'"),
    ("rows-not-a-multiple", frame_edit(lambda f: f.iloc[:-1]), "table", "rows|population"),
    ("table-shorter-than-run.json", frame_edit(lambda f: f.iloc[:-4], keep_rows=True), "table", "36 rows.*says 40"),
]


def break_run(directory: Path, case) -> tuple[Path, str]:
    """Save a valid run in ``directory / 'run'``, break it; returns it and the table's file name."""
    run = saved_run(directory / "run")
    table_name = table_file(run).name
    case(run)
    return run, table_name


@pytest.mark.parametrize("case, names, fault", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_malformed_run_is_a_run_file_error_naming_the_file_and_the_fault(tmp_path, case, names, fault):
    run, table_name = break_run(tmp_path, case)
    with pytest.raises(RunFileError) as caught:
        History.load(run)
    message = str(caught.value)
    named = {"dir": str(run), "run.json": str(run / MANIFEST), "table": str(run / table_name)}[names]
    assert named in message
    assert re.search(fault, message), message


def test_there_are_at_least_35_cases():
    assert len(CASES) >= 35 and len({c[0] for c in CASES}) == len(CASES)


def outcome(case) -> str:
    """'RunFileError', 'silent load' or the other exception's type, for one case."""
    with tempfile.TemporaryDirectory() as directory:
        run, _ = break_run(Path(directory), case)
        try:
            History.load(run)
        except RunFileError:
            return "RunFileError"
        except Exception as err:  # noqa: BLE001 -- the point is to see which
            return type(err).__name__
        return "silent load"


if __name__ == "__main__":
    results = {name: outcome(case) for name, case, *_ in CASES}
    for name, result in results.items():
        print(f"{name:32} {result}")
    failed = [name for name, result in results.items() if result != "RunFileError"]
    silent = [name for name in failed if results[name] == "silent load"]
    print(f"{len(failed)} of {len(CASES)} fail ({len(silent)} load silently, "
          f"{len(failed) - len(silent)} raise another exception)")
