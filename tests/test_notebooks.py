"""Every notebook runs through papermill with the small parameters of notebooks.yaml, and its
recorded results (lab.record) are checked against the expectations written there.

Expectations per recorded name: ``{min: a, max: b}``, ``{approx: x, tol: t}`` (x a number or a
list) or ``{equals: v}``. Those under ``expect_with_reference`` need reference data beside the checkout (the notebook
records ``reference_available`` and ``reference_path``): when it is absent the test skips, naming the path
and the checks it could not make, after the other expectations have passed.
"""
import ast
import json
from pathlib import Path

import nbformat
import numpy as np
import papermill as pm
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SPEC = yaml.safe_load((Path(__file__).parent / "notebooks.yaml").read_text())


def execute(notebook: Path, tmp_path: Path, parameters: dict) -> dict:
    results = tmp_path / "results.json"
    pm.execute_notebook(str(notebook), str(tmp_path / notebook.name),
                        parameters={**parameters, "results_path": str(results)},
                        kernel_name="python3", cwd=str(notebook.parent), progress_bar=False)
    return json.loads(results.read_text())


def check(name: str, value, expected: dict) -> None:
    if "equals" in expected:
        assert value == expected["equals"], (name, value)
    if "approx" in expected:  # a number or a list of numbers
        assert np.allclose(value, expected["approx"], atol=expected["tol"], rtol=0), (name, value, expected)
    if "min" in expected:
        assert value >= expected["min"], (name, value, expected)
    if "max" in expected:
        assert value <= expected["max"], (name, value, expected)


def test_every_notebook_has_a_spec():
    assert NOTEBOOKS, "no notebooks found"
    assert {nb.name for nb in NOTEBOOKS} == set(SPEC), "notebooks.yaml must list every notebook"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_reads_every_parameter(notebook):
    """A comment papermill cannot parse (an '=' in it, say) hides its parameter from
    `papermill --help-notebook` and logs a warning on every run. Every parameter is declared with
    its type (`steps: int = 2000`), which --help-notebook shows and lab.check_parameters checks."""
    cell = next(c for c in nbformat.read(notebook, as_version=4).cells if "parameters" in c.metadata.get("tags", []))
    body = ast.parse(cell.source).body
    assert all(isinstance(node, ast.AnnAssign) for node in body), "a parameter without a type"
    declared = {node.target.id: ast.unparse(node.annotation) for node in body}
    shown = {name: p["inferred_type_name"] for name, p in pm.inspect_notebook(str(notebook)).items()}
    assert shown == declared


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_records_its_results(notebook, tmp_path):
    spec = SPEC[notebook.name]
    results = execute(notebook, tmp_path, spec["parameters"])
    missing = set(spec["expect"]) - set(results)
    assert not missing, f"{notebook.name} did not record {sorted(missing)}"
    for name, expected in spec["expect"].items():
        check(name, results[name], expected)
    with_reference = spec.get("expect_with_reference", {})
    if with_reference:  # checks against data beside the checkout (../shared/reference), never copied into the repo
        if not results.get("reference_available"):
            pytest.skip(f"{notebook.name}: its other expectations passed, but {sorted(with_reference)} were not checked: "
                        f"the paper's reference data is not at {results.get('reference_path')}")
        missing = set(with_reference) - set(results)
        assert not missing, f"{notebook.name} did not record {sorted(missing)}"
        for name, expected in with_reference.items():
            check(name, results[name], expected)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_bad_parameter_fails_with_the_configs_message(notebook, tmp_path):
    bad = SPEC[notebook.name]["bad_parameter"]
    with pytest.raises(pm.PapermillExecutionError) as err:
        execute(notebook, tmp_path, {**SPEC[notebook.name]["parameters"], **bad["parameters"]})
    assert bad["message"] in str(err.value)
    assert "ConfigError" in err.value.ename or "ValueError" in err.value.ename
