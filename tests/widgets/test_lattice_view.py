"""The cooperation-collapse view: live lattice grids, cooperation against τ_init with intervals."""
import numpy as np

from widgets.lattice import lattice_view, shown_lattices


def test_lattice_view_draws_the_current_grids_and_the_sweep():
    view = lattice_view()
    assert view.config.tau_points == 5 and view.config.dr == 0.8       # starts on the collapse
    before = view.figures()
    assert len(before) == 3 and np.isnan(before[0].data[0].z).all()   # no run yet: empty grids
    assert view.set_value("steps", 60) and view.set_value("size", 6)
    view.start()
    view.wait(timeout=60)
    assert view.status()[0].startswith("Finished 60 steps")
    grids, against_tau, over_time = view.figures()
    shown = shown_lattices(view.config)
    assert shown == [0, 4, 12, 16]                                     # seed 0 of τ_init 0.1, 0.27, 1.88, 5
    assert [a.text for a in grids.layout.annotations] == ["τ_init = 0.1", "τ_init = 0.2659",
                                                          "τ_init = 1.8803", "τ_init = 5"]
    actions = view.run.trainer.actions()
    for trace, lattice in zip(grids.data, shown):
        np.testing.assert_array_equal(trace.z, actions[lattice].numpy())
    final = view.history.final("cooperation", by="tau_init")
    np.testing.assert_allclose(against_tau.data[0].y, final["mean"])
    assert (np.asarray(against_tau.data[0].error_y.array) >= 0).all()
    assert len(over_time.data) == 5
