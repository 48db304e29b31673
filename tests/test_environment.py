"""environment.yml and pyproject.toml name the same packages (those `make` installs)."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-only entries that have no counterpart in pyproject's dependencies
CONDA_ONLY = {"python", "pip"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # what `make` installs: the dependencies and the [test] extra (not [ray], an opt-in for clusters)
    pyproject = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]
    conda, pip = set(), set()
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip |= {_name(p) for p in entry["pip"] if not p.startswith("-")}
        else:
            conda.add(_name(entry))
    assert (conda - CONDA_ONLY) | pip == {_name(p) for p in pyproject}


def test_torch_is_pinned_in_both():
    assert '"torch==2.13.0"' in (ROOT / "pyproject.toml").read_text()
    assert "torch==2.13.0" in (ROOT / "environment.yml").read_text()
