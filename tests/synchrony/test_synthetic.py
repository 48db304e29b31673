"""The shipped synthetic corpus is what its code makes, byte for byte."""
import numpy as np

from lab.synchrony import synthetic_dialogs, write_synthetic_dialogs
from lab.synchrony.synthetic import KINDS, RAW_LIMITS, SHIPPED, SHIPPED_PATH, shipped_corpus


def test_regenerating_the_shipped_file_gives_identical_bytes(tmp_path):
    made = write_synthetic_dialogs(tmp_path / "again.csv")
    assert made.read_bytes() == SHIPPED_PATH.read_bytes()


def test_the_generator_is_seeded_and_makes_each_kind_within_valid_ranges():
    a, b = synthetic_dialogs(per_kind=3, seed=5), synthetic_dialogs(per_kind=3, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a.user, b.user))
    assert not np.array_equal(a.user[0], synthetic_dialogs(per_kind=3, seed=6).user[0])
    assert sorted(set(a.labels["kind"])) == sorted(KINDS)
    everything = a.all_user()
    assert (everything >= RAW_LIMITS[:, 0]).all() and (everything <= RAW_LIMITS[:, 1]).all()


def test_the_kinds_behave_as_described():
    d = synthetic_dialogs(per_kind=20, seed=1)
    z = [(u - u.mean(0)) / (d.all_user().std(0)) for u in d.user]
    jumpiness = {k: np.mean([np.abs(np.diff(x[:, 0])).max() for x, kind in zip(z, d.labels["kind"]) if kind == k])
                 for k in KINDS}
    assert jumpiness["jump"] > 1.5 * jumpiness["steady"]


def test_the_shipped_corpus_loads_with_its_scaler_and_persona():
    dialogs, scaler, persona = shipped_corpus()
    assert len(dialogs) == 3 * SHIPPED["per_kind"] and np.linalg.norm(persona.z) > 1.0
    assert np.allclose(scaler.transform(dialogs.all_user()).mean(0), 0.0, atol=1e-9)
