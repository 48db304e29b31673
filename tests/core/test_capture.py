"""Captured steps (issue 17, item 2): what makes a step replayable as a CUDA graph, checked on the CPU,
and the capture itself where CUDA is present.

On the CPU: every ``CAPTURABLE`` trainer keeps its state in place (the same tensors and Python values
after each step: ``state_signature``) and draws random numbers only from its own generator (torch's
global generator is untouched by a step); the host-read check is ``test_host_syncs.py``. The
signature check is shown to fail on a trainer that reassigns its state (the core tests' toy trainer).
On CUDA (skipped here): a captured run equals the eager run of the same seed."""
import pytest
import torch

from lab import Run
from lab.core.capture import WARMUP, capture_wanted, generators, state_signature
from lab.core.trainers import TRAINERS, trainer_class
from toy_trainer import DecayConfig, DecayTrainer

CAPTURABLE = [name for name in TRAINERS if trainer_class(name).CAPTURABLE]
SMALL = {"cliff": {"n_eps": 3, "seeds": 4}, "preference": {"omwu": True, "extragradient": True},
         "llmrl": {"objective": "safe", "seeds": 2}, "llmrl-compare": {"seeds": 2, "versus": "mhpo"}}


def test_the_capturable_trainers_are_the_ones_built_for_it():
    """SAC (a replay buffer filled at a moving index, Python step counters), the lattice (its step counter
    and replay) and the synchrony controller are not yet."""
    assert CAPTURABLE == ["cliff", "preference", "llmrl", "llmrl-compare"]


@pytest.mark.parametrize("name", CAPTURABLE)
def test_a_capturable_step_keeps_its_state_in_place_and_draws_only_from_its_generator(name, one_torch_thread):
    cls = trainer_class(name)
    trainer = cls(cls.Config(**SMALL.get(name, {})))
    for _ in range(WARMUP):
        trainer.step()
    before, rng = state_signature(trainer), torch.random.get_rng_state()
    for _ in range(5):
        trainer.step()
    assert state_signature(trainer) == before
    assert torch.equal(torch.random.get_rng_state(), rng)     # the global generator is untouched (the preference
    #                                                           dynamics draw nothing; the others from their own)


def test_a_composed_trainer_registers_the_generators_of_its_parts():
    cls = trainer_class("llmrl-compare")
    trainer = cls(cls.Config(seeds=2, versus="mhpo"))
    assert len(generators(trainer)) == 3 and trainer.generator in generators(trainer)
    assert all(part.generator in generators(trainer) for part in trainer.trainers)


def test_the_signature_sees_a_step_that_reassigns_its_state():
    trainer = DecayTrainer(DecayConfig())
    trainer.step()
    before = state_signature(trainer)
    trainer.step()
    changed = {key for key in before if state_signature(trainer)[key] != before[key]}
    assert changed == {"x", "t"}                      # self.x = new tensor; self.t += 1 (a Python counter)


def test_capture_is_on_only_for_a_capturable_trainer_on_cuda():
    cliff = trainer_class("cliff")(trainer_class("cliff").Config(), device="cpu")
    assert capture_wanted(cliff, None) is False and capture_wanted(cliff, False) is False
    with pytest.raises(ValueError, match="capture needs CUDA; CliffBanditTrainer runs on cpu"):
        capture_wanted(cliff, True)
    history = Run(cliff, 3, progress=False).run()
    assert history.meta["captured"] is False


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device; none here")
@pytest.mark.parametrize("name", CAPTURABLE)
def test_a_captured_run_equals_the_eager_run(name):
    cls = trainer_class(name)
    config = cls.Config(**SMALL.get(name, {}), steps=40)
    eager = Run(cls(config, device="cuda"), config.steps, progress=False, capture=False).run()
    captured = Run(cls(config, device="cuda"), config.steps, progress=False, capture=True).run()
    assert captured.meta["captured"] and not eager.meta["captured"]
    for metric in eager.metrics:
        torch.testing.assert_close(torch.as_tensor(captured.values(metric)), torch.as_tensor(eager.values(metric)),
                                   rtol=1e-9, atol=1e-12)
