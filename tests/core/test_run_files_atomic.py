"""A saved run appears whole or not at all, and concurrent saves leave one complete run (issue 12, point 7).

Every run saved here is numbered: its number is in ``meta["save"]`` and in every row of its table's
``save`` column, and the tables all have the same number of rows (so that a table mixed with
another run's run.json is not caught by a row count). A run is *whole* when it loads and both
numbers agree.

The kill test forks a process that saves numbered runs in a loop and SIGKILLs it after a random
delay (0.3-1.6 typical save times, drawn from the system's entropy, not a seed): at least 20 times,
and on (up to 150) until 5 kills have landed while a save was writing its files (left files
behind; 1 kill in 4 to 8 does) and kills have found both the old and the new run. After each kill
the run on disk must be the last one the process finished saving or the one it was saving, whole,
and the next save must leave only run.json and its table. Three runs here: 49-86 kills in 8-13 s,
30-45 finding the old run and 19-41 the new one, all whole, 5 leaving files of the unfinished save.
The same loop against the code before issue 12 (commit a8c8af4), 30 kills: 4 loaded the new table
with the old run.json, 20 left temporary files; two threads saving to one directory at once failed
or mixed the run in 18 of 20 trials (0 of 20 now).
"""
import json
import multiprocessing
import random
import threading
import time
from pathlib import Path

import numpy as np

from lab import History
from lab.core import run_files

POPULATION, STEPS = 256, 400
# Children are forked from a fresh single-threaded server process that imported lab and pyarrow once: fast
# starts, and none of this test process's threads (a plain fork of it, in the full suite, gave children that
# never wrote a file: 150 kills, 0 inside a save).
FORK = multiprocessing.get_context("forkserver")
FORK.set_forkserver_preload(["lab", "pyarrow.parquet", "test_run_files_atomic"])


def numbered_history(number: int) -> History:
    """Run number ``number``: 400 steps × 256 members (~1 MB of Parquet), the number in meta and table."""
    history = History({"seed": list(range(POPULATION))}, meta={"save": number})
    x = np.random.default_rng(number).normal(size=(STEPS, POPULATION))
    for step in range(STEPS):
        history.append(step, {"save": float(number), "x": x[step]})
    return history


def whole_run_number(directory: Path) -> int:
    """The number of the run in ``directory``, after checking that its run.json and table agree."""
    history = History.load(directory)
    number = history.meta["save"]
    assert history.values("save").shape == (STEPS, POPULATION)
    assert (history.values("save") == number).all(), "the table belongs to another save than run.json"
    return number


def files(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


def saved_files(directory: Path) -> set[str]:
    """What a finished save leaves: run.json and the table it names."""
    return {"run.json", json.loads((directory / "run.json").read_text())["table"]}


def save_forever(directory: Path, first: int, finished, ready) -> None:
    """Save runs first, first + 1, ... into ``directory``; ``finished`` holds the last one done."""
    number, history = first, numbered_history(first)
    history.save(directory.with_name(directory.name + "-warm-up"))  # a new process's first save is slower
    ready.set()
    while True:
        history.save(directory)
        finished.value = number
        number += 1
        history = numbered_history(number)


def timed_save(number: int, directory: Path) -> float:
    history = numbered_history(number)
    started = time.perf_counter()
    history.save(directory)
    return time.perf_counter() - started


def test_a_save_killed_at_random_points_leaves_the_old_or_the_new_run_whole(tmp_path):
    directory, chance, started = tmp_path / "run", random.SystemRandom(), time.perf_counter()
    timed_save(0, directory)                                   # the first save warms pyarrow up
    save_times = [timed_save(1, directory)]
    number, kills, left_files, new_runs = 1, 0, 0, 0
    while kills < 20 or ((left_files < 5 or new_runs in (0, kills)) and kills < 150):
        finished, ready = FORK.Value("q", number), FORK.Event()
        saver = FORK.Process(target=save_forever, args=(directory, number + 1, finished, ready), daemon=True)
        saver.start()
        assert ready.wait(30), "the saving process did not start"
        time.sleep(chance.uniform(0.3, 1.6) * np.median(save_times))  # mostly inside its first save
        saver.kill()
        saver.join()
        kills += 1
        found = whole_run_number(directory)
        assert found in (finished.value, finished.value + 1), f"found run {found}, last saved {finished.value}"
        new_runs += found > number
        left_files += files(directory) != saved_files(directory)
        number = found + 1
        save_times.append(timed_save(number, directory))
        assert files(directory) == saved_files(directory), "the next save left files of the killed one"
        assert whole_run_number(directory) == number
    print(f"{kills} kills in {time.perf_counter() - started:.1f} s: {kills - new_runs} found the run saved "
          f"before, {new_runs} a newer one, all whole; {left_files} left files of an unfinished save")
    assert left_files >= 5, "too few kills landed inside a save's writing to test anything"
    assert 0 < new_runs < kills, "the kills did not land both before and after a save's commit"


def save_together(directory: Path, numbers: list[int], start) -> list[BaseException]:
    """Save ``numbers`` into ``directory`` from one thread each, started together; their errors."""
    histories, errors = [numbered_history(n) for n in numbers], []

    def save(history):
        start.wait()
        try:
            history.save(directory)
        except BaseException as err:  # noqa: BLE001 -- reported by the test
            errors.append(err)

    threads = [threading.Thread(target=save, args=(h,)) for h in histories]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_threads_saving_to_one_directory_leave_one_whole_run(tmp_path):
    for trial in range(20):
        directory = tmp_path / str(trial)
        errors = save_together(directory, [2 * trial, 2 * trial + 1], threading.Barrier(2))
        assert not errors
        assert whole_run_number(directory) in (2 * trial, 2 * trial + 1)
        assert files(directory) == saved_files(directory)


def save_after(directory: Path, number: int, start) -> None:
    history = numbered_history(number)
    start.wait()
    history.save(directory)


def test_two_processes_saving_to_one_directory_leave_one_whole_run(tmp_path):
    for trial in range(5):
        directory, start = tmp_path / str(trial), FORK.Barrier(2)
        savers = [FORK.Process(target=save_after, args=(directory, n, start)) for n in (2 * trial, 2 * trial + 1)]
        for saver in savers:
            saver.start()
        for saver in savers:
            saver.join(60)
        assert [saver.exitcode for saver in savers] == [0, 0]
        assert whole_run_number(directory) in (2 * trial, 2 * trial + 1)
        assert files(directory) == saved_files(directory)


def test_a_save_between_reading_run_json_and_its_table_makes_the_reader_read_the_new_run(tmp_path, monkeypatch):
    directory = numbered_history(0).save(tmp_path / "run")
    read_table, saves = run_files._read_table, iter([1, 2])

    def read_after_a_save(path):  # the first two reads of a table come just after a save replaced it
        number = next(saves, None)
        if number is not None:
            numbered_history(number).save(directory)
        return read_table(path)

    monkeypatch.setattr(run_files, "_read_table", read_after_a_save)
    assert whole_run_number(directory) == 2
