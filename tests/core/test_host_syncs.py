"""No host syncs inside a population trainer's ``step()`` (issue 17, item 1).

A host sync is any point where the Python side needs a value the device computed: on CUDA the CPU
then waits for every queued kernel, and a step cannot be captured as a CUDA graph. The mechanism,
on the CPU: a ``TorchDispatchMode`` sees every aten operation a step runs and records those whose
result the host must read — ``_local_scalar_dense`` (behind ``.item()``, ``bool(t)``, ``float(t)``,
``if t.any():``), ``nonzero`` and ``masked_select`` (data-dependent shapes, behind ``t[mask]``), and
indexing with a boolean mask — and ``.tolist()``, ``.numpy()`` and ``.cpu()`` (which read memory
without an aten operation) are wrapped for the same window. Each hit is named by the innermost lab
line that caused it. Exempt: syncs inside ``torch.optim`` (Adam keeps its step counter on the host
unless made ``capturable``, a CPU tensor read on the CPU; not a device sync).

Before this test (session 29), the probe found: the cliff's and the LLM-RL advantages' and CAPO's
``one_hot`` (it checks its input's range on the host: two syncs per call) and SAC's
``if not self.diverged.any()`` before every optimizer step (4 per step)."""
import pytest
import torch

from host_reads import HostReads

from lab.core.trainers import trainer_class

METHODS = ("tolist", "numpy", "cpu")
SAC = {"seeds": 2, "steps": 100, "learning_starts": 20, "batch": 16, "hidden": 16}
AGENTS = dict(task="tree", vocab=3, length=4, tasks=3, batch_tasks=2, group=4, seeds=2, dapo_critic_steps=2,
              mc_rollouts=2)
CASES = [
    ("cliff", {"n_eps": 3, "seeds": 2}),
    ("preference", {}),
    ("lattice", {}),
    ("synchrony", {}),
    ("repeated", {}),
    *[("llmrl", {"objective": objective, "seeds": 2}) for objective in ("grpo", "minirl", "mhpo", "capo", "safe")],
    ("llmrl", {"normalization": "global", "minibatches": 2, "kl_coef": 0.1, "seeds": 2}),
    ("llmrl", {"normalization": "agent", "reward": "robust", "sampler_precision": "bf16", "seeds": 2}),
    ("llmrl-compare", {"seeds": 2}),
    *[("critic", {**SAC, "critic": critic}) for critic in ("single", "twin", "dsac-t", "stac", "hl-gauss", "flow",
                                                            "sl-mgac")],
    ("critic", {**SAC, "freeze_diverged": True, "spectral_norm": True}),
    ("critic", {**SAC, "actor": "mdpo", "mdpo_every": 5, "fading_replay": True, "envs": 2}),
    ("critic", {**SAC, "swaddling": 1.0, "temporal_advantage": True, "bounded_noise": True}),
    ("critic", {**SAC, "critic_warmup": 30, "advantage_clip": 1.0, "overestimation_every": 25}),
    *[("agents", {**AGENTS, "advantage": advantage, "objective": objective})
      for advantage, objective in (("outcome", "ppo"), ("salt", "sequence"), ("critic", "fiberpo"), ("dapo", "dapo"),
                                   ("mc", "ppo"))],
    ("agents", {**AGENTS, "replay": True}),
    ("agents", {**AGENTS, "task": "checklist", "reward": "checklist", "judge_noise": 0.1}),
    *[("rlac", {"critic": critic, "seeds": 2}) for critic in ("frozen_rm", "fixed", "all", "random", "rlac")],
    *[("critique-rl", {"training": training, "seeds": 2, "stage1_steps": 3})   # both stages within the 12 steps
      for training in ("indirect", "discrimination", "two_stage", "stage1_then_indirect")],
    *[("agent-r", {"data": data, "seeds": 2, "round_steps": 5, "mcts_iterations": 4, "eval_episodes": 4})
      for data in ("expert", "mcts_good", "agent_r")],
    ("search-r2", {"method": "grpo", "seeds": 2}),
    ("search-r2", {"method": "search_r2", "detect_prob": 0.7, "seeds": 2}),
    *[("mmc", {"critique_data": data, "seeds": 2}) for data in ("outcome", "mmc")],
    *[("gorl", {"policy": policy, "seeds": 2, "latent_steps": 3, "decoder_steps": 3, "buffer": 64, "batch": 16,
                "eval_samples": 64}) for policy in ("gaussian", "flow_direct", "gorl")],
    *[("expo", {"method": method, "seeds": 2, "pretrain_steps": 5, "batch": 16}) for method in ("backprop_chain", "expo")],
    ("expo", {"clip_samples": True, "seeds": 2, "pretrain_steps": 5, "batch": 16}),
    *[("pa-rl", {"method": method, "seeds": 2}) for method in ("reinforce", "pa_rl")],
    ("pa-rl", {"action": "continuous", "method": "pa_rl", "seeds": 2}),
    *[("gpc", {"policy": policy, "seeds": 2, "eval_every": 2}) for policy in ("parent_1", "gpc")],
    *[("taco", {"selection": selection, "seeds": 2}) for selection in ("single", "taco")],
    *[("two-stage", {"method": method, "seeds": 2, "stage1_steps": 5})   # stage two within the 12 steps
      for method in ("summed", "two_stage")],
    *[("dqc", {"method": method, "seeds": 2, "episodes": 4}) for method in ("one_step", "open_loop_chunk", "dqc")],
    *[("aloe", {"value": value, "seeds": 2}) for value in ("progress", "aloe")],
    *[("srl", {"method": method, "seeds": 2, "batch": 16}) for method in ("repeat", "srl")],
    *[("stableworld", {"window": window, "seeds": 2, "horizon": 32, "batch": 16, "eval_every": 5})
      for window in ("plain", "stableworld")],
    *[("fantasy-hsi", {"critic_loop": on, "dpo": on, "seeds": 2, "horizon": 8, "pairs": 8, "episodes": 2})
      for on in (False, True)],
    *[("hinf", {"disturber": disturber, "seeds": 2}) for disturber in ("randomized", "unconstrained", "hinf")],
    *[("iwocs", {"method": method, "seeds": 2}) for method in ("nominal", "domain_randomized", "iwocs")],
    *[("lipschitz-gail", {"gradient_penalty": penalty, "seeds": 2, "learning_starts": 4, "batch": 16})
      for penalty in ("off", "on")],
    *[("causal-minimax", {"predictor": predictor, "seeds": 2})
      for predictor in ("ols", "stable_all", "causal_minimax")],
    *[("unstable-directions", {"training": training, "seeds": 2, "probe_every": 2, "horizon": 10, "windows": 3})
      for training in ("standard", "adversarial")],
    *[("optimistic-ac", {"method": method, "depth": 6, "ladder": 3, "seeds": 2, "offline_episodes": 5})
      for method in ("on_policy", "optimistic", "hybrid")],
]


@pytest.fixture
def wrapped_methods(monkeypatch):
    """``.tolist()``, ``.numpy()``, ``.cpu()`` reported to the active recorder."""
    active: list[HostReads] = []
    for name in METHODS:
        original = getattr(torch.Tensor, name)

        def reading(self, *args, _original=original, _name=name, **kwargs):
            if active:
                active[-1].record(_name)
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(torch.Tensor, name, reading)
    return active


@pytest.mark.parametrize("trainer, settings", CASES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CASES)])
def test_a_step_never_waits_for_the_device(trainer, settings, wrapped_methods, one_torch_thread):
    cls = trainer_class(trainer)
    instance = cls(cls.Config(**settings))
    steps = 40 if trainer == "critic" else 12            # past the critic's learning_starts and warm-up
    reads = HostReads()
    wrapped_methods.append(reads)
    with reads:
        for _ in range(steps):
            instance.step()
    wrapped_methods.clear()
    assert reads.sites == {}, f"{trainer} {settings}: host reads in step(): {reads.sites}"


def test_the_recorder_sees_each_kind_of_host_read(wrapped_methods):
    """The mechanism itself: each way of reading a device value is caught."""
    reads = HostReads()
    wrapped_methods.append(reads)
    x = torch.arange(4.0)
    with reads:
        x.sum().item()
        bool(x.any())
        x[x > 1]
        x.nonzero()
        x.tolist()
        x.cpu()
    kinds = {key.split(" at ")[0] for key in reads.sites}
    assert kinds == {"_local_scalar_dense", "index", "nonzero", "tolist", "cpu"}, reads.sites
