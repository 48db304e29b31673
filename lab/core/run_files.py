"""A saved run on disk: one directory, written whole or not at all.

Layout: ``run.json``, the manifest (format, the run's metadata, and the name, size and SHA-256 of
its table), and ``history-<16 hex digits>.parquet``, the table. A save writes the table under a
name no earlier save used and flushes it to disk, then writes the manifest to a temporary file,
flushes it and renames it over ``run.json``. That rename is the commit: before it, ``run.json``
names the previous table, which the save never touches; after it, the new one. Whenever the saving
process dies (SIGKILL; power loss too, as both files are fsynced before the rename and the
directory after it), a reader finds the previous run or the new one, complete, never a mix. The
recorded size and checksum make a table changed after its save an error instead of a silent load.

Saves into one directory hold an exclusive ``flock`` on it (threads and processes alike), so
concurrent saves take turns and the last one's run is what remains, complete. After its commit a
save deletes what its manifest does not name: the previous table and whatever killed saves left
(tables, temporary manifests, and format 1's ``history.parquet`` and temporary files). Other files
in the directory are never touched. Readers take no lock: when a save replaced the run between a
reader's reading ``run.json`` and opening the table it named, the reader reads ``run.json`` again.

Format 1 (before issue 12: ``history.parquet`` beside a ``run.json`` naming no table, no checksum)
still loads. Saving needs POSIX (``flock``, an fsync of the directory); loading works anywhere.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

MANIFEST = "run.json"
FORMAT = "stability-lab-run/2"
FORMAT_1, FORMAT_1_TABLE = "stability-lab-run/1", "history.parquet"
TABLE_NAME = re.compile(r"history-[0-9a-f]{16}\.parquet")
TEMPORARY_MANIFEST = re.compile(r"\.run\.json\.[0-9a-f]{16}\.tmp")
FORMAT_1_LEFTOVERS = {FORMAT_1_TABLE, ".history.parquet.tmp", ".run.json.tmp"}
READ_ATTEMPTS = 5  # each retry means that a whole save committed meanwhile


class RunFileError(ValueError):
    """A saved run is missing, truncated or malformed; the message names the file and the fault."""


def shown(value, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: messages never echo a whole hostile file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- writing -------------------------------------------------------------------------------

def write_run(directory: Path, manifest: dict, table: bytes) -> None:
    """Make ``directory`` hold the run ``manifest`` + ``table`` (Parquet bytes), atomically."""
    token = secrets.token_hex(8)
    table_name = f"history-{token}.parquet"
    manifest = {"format": FORMAT, "table": table_name, "table_bytes": len(table),
                "table_sha256": hashlib.sha256(table).hexdigest(), **manifest}
    text = json.dumps(manifest, indent=2, default=str).encode()
    directory.mkdir(parents=True, exist_ok=True)
    with _exclusive(directory) as directory_fd:
        table_path, temporary = directory / table_name, directory / f".{MANIFEST}.{token}.tmp"
        try:
            _write_synced(table_path, table)
            _write_synced(temporary, text)
        except BaseException:  # disk full, Ctrl-C...: the previous run stays, and nothing of this save
            table_path.unlink(missing_ok=True)
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, directory / MANIFEST)  # the commit
        os.fsync(directory_fd)
        _remove_leftovers(directory, keep=table_name)


@contextmanager
def _exclusive(directory: Path):
    """Hold an exclusive flock on ``directory``; yields its file descriptor."""
    import fcntl  # POSIX only: imported here so that loading runs works on every system

    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _remove_leftovers(directory: Path, keep: str) -> None:
    for path in directory.iterdir():
        name = path.name
        ours = TABLE_NAME.fullmatch(name) or TEMPORARY_MANIFEST.fullmatch(name) or name in FORMAT_1_LEFTOVERS
        if ours and name != keep and not path.is_dir():
            path.unlink(missing_ok=True)


# --- reading -------------------------------------------------------------------------------

def read_run(directory: Path) -> tuple[dict, bytes, Path, Path]:
    """The manifest (a JSON object of a known format), the table's bytes (size and checksum
    verified), and the two files' paths; anything else is a RunFileError naming the file."""
    if not directory.exists():
        raise RunFileError(f"{directory} does not exist: no saved run there")
    if not directory.is_dir():
        raise RunFileError(f"{directory} is not a directory: a saved run is a directory holding {MANIFEST}")
    manifest_path = directory / MANIFEST
    manifest = _read_manifest(manifest_path)
    for _ in range(READ_ATTEMPTS):
        table_path = directory / table_name(manifest, manifest_path)
        try:
            table = _read_table(table_path)
            break
        except FileNotFoundError:
            manifest = _read_manifest(manifest_path)
            if directory / table_name(manifest, manifest_path) == table_path:
                raise RunFileError(f"{table_path} is missing ({MANIFEST} names it)") from None
            # else a save replaced the run meanwhile (every save names a new table): read that one
    else:
        raise RunFileError(f"{directory}: saves replaced the run {READ_ATTEMPTS} times while it was read")
    if manifest["format"] == FORMAT:
        _check_size_and_checksum(manifest, table, manifest_path, table_path)
    return manifest, table, manifest_path, table_path


def _read_manifest(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RunFileError(f"{path} is missing: {path.parent} is not a saved run") from None
    except IsADirectoryError:
        raise RunFileError(f"{path} is not a file but a directory") from None
    except OSError as err:
        raise RunFileError(f"{path} cannot be read: {err.strerror}") from None
    try:
        manifest = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise RunFileError(f"{path} is not UTF-8 text (byte {err.start} is {data[err.start]:#04x})") from None
    except RecursionError:
        raise RunFileError(f"{path} is nested too deeply to be a run's manifest") from None
    except ValueError as err:  # JSONDecodeError, or an integer of more digits than Python converts
        raise RunFileError(f"{path} is not valid JSON: {shown(str(err), 160)}") from None
    if not isinstance(manifest, dict):
        raise RunFileError(f"{path} must hold a JSON object, not {type(manifest).__name__}")
    if manifest.get("format") not in (FORMAT, FORMAT_1):
        raise RunFileError(f"{path}: 'format' is {shown(manifest.get('format'))}, "
                           f"not a saved run's format ({FORMAT!r} or {FORMAT_1!r})")
    return manifest


def table_name(manifest: dict, manifest_path: Path) -> str:
    """The table file a run's manifest names (format 1: ``history.parquet``), checked."""
    if manifest["format"] == FORMAT_1:
        return FORMAT_1_TABLE
    name = manifest.get("table")
    if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
        raise RunFileError(f"{manifest_path}: 'table' must name a history-<16 hex digits>.parquet file "
                           f"beside it, not {shown(name)}")
    return name


def _read_table(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise RunFileError(f"{path} is not a file but a directory") from None
    except FileNotFoundError:
        raise
    except OSError as err:
        raise RunFileError(f"{path} cannot be read: {err.strerror}") from None


def _check_size_and_checksum(manifest: dict, table: bytes, manifest_path: Path, table_path: Path) -> None:
    size, checksum = manifest.get("table_bytes"), manifest.get("table_sha256")
    if type(size) is not int or not isinstance(checksum, str):
        raise RunFileError(f"{manifest_path}: 'table_bytes' (an integer) and 'table_sha256' (text) must "
                           f"record the table's size and checksum, not {shown(size)} and {shown(checksum)}")
    actual = hashlib.sha256(table).hexdigest()
    if len(table) != size or actual != checksum:
        raise RunFileError(f"{table_path} does not match the size and checksum {MANIFEST} records "
                           f"({len(table)} bytes, SHA-256 {actual[:12]}…; {MANIFEST}: {size} bytes, "
                           f"{checksum[:12]}…): it was truncated or changed after it was saved")
