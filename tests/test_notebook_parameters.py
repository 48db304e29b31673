"""papermill parameters are checked in a notebook's first cells, before anything trains: an unknown
name, a value of the wrong type, a bad results_path and a value out of range each stop the setup
cell with a ConfigError naming the parameter the user passed.

Most cases share one kernel (a fresh kernel per case costs seconds): each case resets the kernel's
namespace, then runs what papermill runs up to the setup cell — the parameters cell, the cell
papermill injects (made by papermill itself) and the setup cell. One case runs a whole notebook
through papermill.
"""
import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml
from jupyter_client.manager import start_new_kernel
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

import lab
from lab.core.params import check_parameters, fits, injected_names

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {p.name[:2]: p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
SMALL = yaml.safe_load((Path(__file__).parent / "notebooks.yaml").read_text())
SETUP = 2  # the setup cell: the third code cell run (parameters, injected parameters, setup)


class Kernel:
    """One IPython kernel that runs many notebooks' first cells, each case in a fresh namespace."""

    def __init__(self):
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(ROOT / "notebooks"))

    def run(self, code: str) -> dict | None:
        """Run code; the error's content (ename, evalue) or None."""
        errors = []
        reply = self.client.execute_interactive(
            code, timeout=180, output_hook=lambda m: errors.append(m["content"]) if m["msg_type"] == "error" else None)
        return None if reply["content"]["status"] == "ok" else errors[0]

    def first_cells(self, notebook: Path, parameters: dict) -> tuple[int, dict] | None:
        """Run the first cells as papermill would with these parameters: (index of the failing cell, error)."""
        nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters, kernel_name="python3",
                                   language="python")
        cells = [c for c in nb.cells if c.cell_type == "code"][:3]
        assert "injected-parameters" in cells[1].metadata.tags
        assert self.run("get_ipython().reset(new_session=True)") is None
        for index, cell in enumerate(cells):
            error = self.run(cell.source)
            if error:
                return index, error
        return None

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel():
    k = Kernel()
    yield k
    k.close()


def setup_error(kernel, key, tmp_path, **parameters) -> str:
    """The ConfigError message that stops the notebook's setup cell."""
    failed = kernel.first_cells(NOTEBOOKS[key], {"results_path": str(tmp_path / "results.json"), **parameters})
    assert failed is not None, f"{key} ran its setup cell with {parameters}"
    index, error = failed
    assert (index, error["ename"]) == (SETUP, "ConfigError"), (index, error["ename"], error["evalue"])
    return error["evalue"]


@pytest.mark.parametrize("key", NOTEBOOKS)
def test_small_parameters_pass_the_setup_cell(kernel, key, tmp_path):
    """The checks refuse nothing that the notebook test runs with (notebooks.yaml)."""
    results = tmp_path / "results.json"
    assert kernel.first_cells(NOTEBOOKS[key], {**SMALL[NOTEBOOKS[key].name]["parameters"],
                                                "results_path": str(results)}) is None
    assert results.exists()  # results_to writes at once


@pytest.mark.parametrize("key", NOTEBOOKS)
def test_unknown_parameter_names_it_and_the_allowed_ones(kernel, key, tmp_path):
    message = setup_error(kernel, key, tmp_path, Seed=3, bogus_name=1)
    assert message.startswith("unknown parameters 'Seed' (did you mean 'seed'?), 'bogus_name'; allowed: ")
    assert message.split("allowed: ")[1].split(", ") == list(pm.inspect_notebook(str(NOTEBOOKS[key])))


@pytest.mark.parametrize("key", NOTEBOOKS)
def test_results_path_that_is_a_directory_fails_in_the_setup_cell(kernel, key, tmp_path):
    message = setup_error(kernel, key, tmp_path, results_path=str(tmp_path))
    assert message == (f"'results_path' = {str(tmp_path)!r} is not allowed: it is a directory; "
                       f"name a .json file, e.g. {str(tmp_path / 'results.json')!r}")


WRONG_TYPES = {  # notebook: (parameter, value as papermill's -p gives it, the start of the message)
    "01": ("steps", "abc", "'steps' = 'abc' is not allowed: must be an integer"),
    "02": ("iterations", 2.5, "'iterations' = 2.5 is not allowed: must be an integer"),
    "03": ("share_a", "x", "'share_a' = 'x' is not allowed: must be a number"),
    "04": ("episodes", "abc", "'episodes' = 'abc' is not allowed: must be an integer"),
    "05": ("sharings", "shared", "'sharings' = 'shared' is not allowed: must be a list of strings; papermill's -p "
                                 "passes one value, a list goes as YAML: -y \"sharings: [shared]\""),
    "06": ("steps", "abc", "'steps' = 'abc' is not allowed: must be an integer"),  # was a TypeError in steps // 10
    "07": ("dialog_id", 12, "'dialog_id' = 12 is not allowed: must be a string; papermill's -p reads numbers as "
                            "numbers, -r passes text: -r dialog_id 12"),
    "08": ("long_steps", "abc", "'long_steps' = 'abc' is not allowed: must be an integer"),
    "09": ("dapo_steps", "abc", "'dapo_steps' = 'abc' is not allowed: must be an integer"),
    "10": ("mmc_steps", "abc", "'mmc_steps' = 'abc' is not allowed: must be an integer"),
    "11": ("taco_steps", "abc", "'taco_steps' = 'abc' is not allowed: must be an integer"),
    "12": ("srl_steps", "abc", "'srl_steps' = 'abc' is not allowed: must be an integer"),
    "13": ("iwocs_steps", "abc", "'iwocs_steps' = 'abc' is not allowed: must be an integer"),
}


@pytest.mark.parametrize("key", NOTEBOOKS)
def test_wrong_type_names_the_parameter(kernel, key, tmp_path):
    name, value, expected = WRONG_TYPES[key]
    assert setup_error(kernel, key, tmp_path, **{name: value}) == expected


RENAMED = {  # notebook: (parameter, a value out of range, the config field it feeds)
    "02": ("iterations", 0, "steps"),
    "04": ("episodes", 0, "steps"),
    "05": ("dr_values", [0.5, 2.0], "dr"),
    "06": ("variant_steps", 0, "steps"),
    "08": ("norm_steps", 0, "steps"),
    "09": ("proact_steps", 0, "steps"),
    "10": ("agent_r_steps", 0, "steps"),
    "11": ("gpc_steps", 0, "steps"),
    "12": ("dqc_steps", 0, "steps"),
    "13": ("hinf_steps", 0, "steps"),
}


@pytest.mark.parametrize("key", RENAMED)
def test_out_of_range_names_the_parameter_not_the_config_field(kernel, key, tmp_path):
    name, value, field = RENAMED[key]
    message = setup_error(kernel, key, tmp_path, **{name: value})
    assert f"'{name}' = {value[-1] if isinstance(value, list) else value!r} is not allowed" in message
    assert f"'{field}'" not in message


def test_papermill_stops_at_the_setup_cell_on_an_unknown_name(tmp_path):
    """The whole notebook through papermill: the run fails in the setup cell, no later cell runs."""
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(NOTEBOOKS["01"]), str(out), parameters={"stepz": 10}, kernel_name="python3",
                            cwd=str(NOTEBOOKS["01"].parent), progress_bar=False, execution_timeout=120)
    assert err.value.ename == "ConfigError"
    assert err.value.evalue.startswith("unknown parameter 'stepz' (did you mean 'steps'?); allowed: arms, ")
    counts = [c.execution_count for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code"]
    assert counts[:3] == [1, 2, 3] and set(counts[3:]) == {None}


# --- the pieces, without a kernel --------------------------------------------------------------

def test_injected_names_come_from_the_last_injected_cell_only():
    history = ["", "# Parameters (papermill overrides these)\nsteps: int = 3\n", "# Parameters\nold = 1\n",
               "# Parameters\nsteps = 10\nstepz = 'a = b'\n", "x = 1"]
    assert injected_names(history) == ["steps", "stepz"]
    assert injected_names(history[:2]) == []


def test_check_parameters_reads_declarations_and_injections():
    namespace = {"__annotations__": {"steps": int, "names": list[str]}, "steps": 10, "names": ["a"],
                 "In": ["", "# Parameters (x)\nsteps: int = 3\nnames: list[str] = []\n", "# Parameters\nsteps = 10\n"]}
    check_parameters(namespace)
    namespace["In"].append("# Parameters\nsteps = 10\nPAPERMILL_INPUT_PATH = 'a.ipynb'\n")  # --inject-paths
    check_parameters(namespace)
    namespace["In"].append("# Parameters\nSteps = 10\n")
    with pytest.raises(lab.ConfigError) as err:
        check_parameters(namespace)
    assert str(err.value) == "unknown parameter 'Steps' (did you mean 'steps'?); allowed: steps, names"
    namespace["In"] = namespace["In"][:2]
    namespace["names"] = ["a", 2]  # types are checked without any injected cell too (a run in JupyterLab)
    with pytest.raises(lab.ConfigError, match=r"^'names' = \['a', 2\] is not allowed: must be a list of strings$"):
        check_parameters(namespace)


@pytest.mark.parametrize("value, kind, ok", [
    (3, int, True), (True, int, False), (3.0, int, False), (3, float, True), (True, float, False),
    ("3", float, False), (False, bool, True), (0, bool, False), ("", str, True), (None, str, False),
    ([1, 2.5], list[float], True), ((1.0,), list[float], False), ([True], list[float], False), ([], list[str], True)])
def test_fits(value, kind, ok):
    assert fits(value, kind) is ok


def test_parameter_names_renames_the_fields_in_config_errors():
    from lab.games.learners import QLearningConfig
    with pytest.raises(lab.ConfigError) as err:
        with lab.parameter_names(steps="episodes"):
            QLearningConfig.from_params(steps=0)
    assert str(err.value).startswith("QLearningConfig: 'episodes' = 0 is not allowed"), str(err.value)
    with pytest.raises(KeyError):  # other errors pass through
        with lab.parameter_names(steps="episodes"):
            raise KeyError("steps")


def test_results_to_refuses_a_path_it_cannot_write_before_anything_is_recorded(tmp_path):
    cases = {str(tmp_path): "it is a directory", str(tmp_path / "results.txt"): "must name a .json file",
             "/dev/null/results.json": "cannot write there"}
    try:
        for path, reason in cases.items():
            with pytest.raises(lab.ConfigError) as err:
                lab.results_to(path)
            assert str(err.value).startswith(f"'results_path' = {path!r} is not allowed: {reason}")
        target = tmp_path / "new" / "results.json"
        target.parent.mkdir()
        target.write_text('{"stale": 1}')
        lab.results_to(target)
        assert json.loads(target.read_text()) == {}  # written at once: a stale file never passes for this run's
    finally:
        lab.results_to(None)
