"""Several reward models mixed by state-dependent class weights.

Xu (2025), "The Policy Cliff" (arXiv 2507.20150), multi-reward analysis: with reward models R_1..R_K and class
weights w_k(s) ≥ 0, Σ_k w_k(s) = 1, the policy optimizes R_eff(s, a) = Σ_k w_k(s)·R_k(s, a).
The map (R_1..R_K) ↦ R_eff is 1-Lipschitz in max-norm, yet the greedy policy still jumps on
states where R_eff ties: a tiny change of one model, or of the weights, flips it there.
Shapes: rewards (K, S, A), weights (K, S).

``two_model_example`` is a hand-made illustration (two models, four states, exact ties), not the paper's
experiment. The paper's controlled perturbation experiment (Sec. 5: three prompt classes, a slightly changed
safety ORM, ~200 ambiguous prompts removed, KL coefficient 0.001) is ``perturbation_experiment`` below, with
what differs from it written beside it.
"""
from __future__ import annotations

import numpy as np


def check_weights(weights: np.ndarray) -> np.ndarray:
    """The weights as an array, refused unless non-negative and summing to 1 in every state."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or np.any(weights < 0) or not np.allclose(weights.sum(axis=0), 1.0):
        raise ValueError("weights must be a (K, S) array of non-negative class weights "
                         f"summing to 1 in every state; got sums {np.round(weights.sum(axis=0), 6).tolist()}")
    return weights


def effective_reward(rewards: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """R_eff(s, a) = Σ_k w_k(s)·R_k(s, a), shape (S, A)."""
    rewards, weights = np.asarray(rewards, dtype=float), check_weights(weights)
    if rewards.shape[:2] != weights.shape:
        raise ValueError(f"rewards of shape {rewards.shape} need weights of shape {rewards.shape[:2]}, "
                         f"got {weights.shape}")
    return np.einsum("ks,ksa->sa", weights, rewards)


def greedy_actions(reward: np.ndarray) -> np.ndarray:
    """The greedy action per state (lowest-index tie-break), shape (S,)."""
    return np.argmax(reward, axis=1)


def two_model_example() -> tuple[np.ndarray, np.ndarray]:
    """A 4-state, 2-action example: model 0 ('helpful') prefers action 0, model 1 ('harmless')
    action 1. States 0 and 3 are clear-cut; states 1 and 2 are 'ambiguous', weighted half-half,
    where the two models' preferences cancel exactly, so R_eff ties."""
    rewards = np.array([
        [[1.0, 0.0], [1.0, 0.0], [0.8, 0.2], [1.0, 0.0]],   # helpful
        [[0.0, 1.0], [0.0, 1.0], [0.2, 0.8], [0.0, 1.0]],   # harmless
    ])
    weights = np.array([[0.9, 0.5, 0.5, 0.1],
                        [0.1, 0.5, 0.5, 0.9]])
    return rewards, weights


def lipschitz_ratio(rng: np.random.Generator, n_models: int = 3, n_states: int = 5, n_actions: int = 4,
                    draws: int = 500) -> float:
    """max over random draws of ‖R_eff − R_eff'‖∞ / max_k ‖R_k − R_k'‖∞ (≤ 1: the effective-reward map is 1-Lipschitz)."""
    worst = 0.0
    for _ in range(draws):
        weights = rng.dirichlet(np.ones(n_models), size=n_states).T
        rewards = rng.normal(size=(n_models, n_states, n_actions))
        moved = rewards + rng.normal(scale=rng.uniform(1e-4, 1.0), size=rewards.shape)
        change = np.max(np.abs(effective_reward(moved, weights) - effective_reward(rewards, weights)))
        worst = max(worst, change / np.max(np.abs(moved - rewards)))
    return worst


# --- The paper's controlled perturbation experiment, in miniature ---------------------------------------
#
# Xu (2025), Sec. 5 "Multi-Reward Instability: Evidence from Controlled Perturbation Experiments" (checked in the
# LaTeX source, sections/5-empirical.tex and tables/table_multi_rl_train.tex of github.com/SafeAGI-01/PolicyCliff):
# one policy (an SFT model of Qwen2.5-VL-72B-Instruct) trained by multi-reward RL (OpenRLHF-V: group-normalized
# advantages, 8 samples per prompt, KL loss with init_kl_coef 0.001, one epoch) on three prompt classes —
# safety, human values, general — each scored by its own outcome reward model (ORM).
#   Model-1 vs Model-2: same data and mixture, "a slight modification to the safety ORM" only.
#   Model-1 vs Model-3: same ORMs, "approximately 200 ambiguous prompts" (hard to label unsafe vs normal) removed.
# Both gave large shifts on out-of-distribution safety and human-value benchmarks.
#
# What differs here, on purpose and by necessity: the policy is tabular over prompt *types* (it sees the type,
# not the class), so by Sec. 4's effective-reward model it optimizes R_eff = Σ_k w_k(s)·R_k with w_k(s) the
# class shares of the training prompts of that type; it is the exact optimum of the KL-regularized objective
# (no sampling, no PPO clipping, no finite training); the ORMs are hand-made functions of a harm level with
# ±0.05 noise; "slight" is a change of sup norm δ = 0.01; in place of the OOD safety and human-value suites the
# lab reports a harm-weighted refusal rate (no human-value score). A tabular policy cannot generalize, so removing prompts changes
# behaviour only on the ambiguous types they came from. For the paper's shifts on *other* prompts the experiment
# also fits a shared, smooth effective reward r̂(h, a) (a cubic in the harm level, least squares weighted by the
# prompts of each type: the policy's own estimate, generalizing across types) and acts on 2,001 held-out prompts
# with π ∝ π_ref·exp(r̂/β), π_ref uniform — ``held_out`` in the result. That fit is this lab's choice, not the paper's.

CLASSES = ("safety", "human values", "general")
ACTIONS = ("refuse", "comply", "comply with a caveat")


def safety_boundary_data(rng: np.random.Generator, types: int = 200, prompts: int = 50_000,
                         ambiguous: tuple[float, float] = (0.35, 0.65)) -> dict[str, np.ndarray]:
    """A training set of ``prompts`` prompts over ``types`` prompt types, the three classes of the paper's
    experiment and one outcome reward model (ORM) per class, as arrays:

    - ``harm`` (S,): how harmful a type is, evenly spread over [0, 1] with jitter; types with harm inside
      ``ambiguous`` are the safety boundary, where annotators cannot tell "unsafe" from "normal";
    - ``counts`` (3, S): prompts of each class at each type (a prompt of harm h is labelled safety with
      probability h·(1 − v), human values with probability v ~ U(0, 0.3), general otherwise);
    - ``rewards`` (3, S, 3): ORM k's reward for refuse / comply / comply with a caveat, in [0, 1]: the safety
      ORM pays refusals by harm, the general ORM pays compliance, the human-values ORM pays the caveat; each
      with independent noise of ±0.05;
    - ``reference`` (S, 3): the SFT policy the KL term pulls toward (Dirichlet(4) per type).
    """
    harm = np.clip(np.linspace(0, 1, types) + rng.uniform(-0.5, 0.5, types) / types, 0, 1)
    values = rng.uniform(0, 0.3, types)
    probs = np.stack([harm * (1 - values), values, (1 - harm) * (1 - values)])          # (3, S)
    per_type = rng.multinomial(prompts, np.full(types, 1 / types))
    counts = np.stack([rng.multinomial(n, p) for n, p in zip(per_type, probs.T)], axis=1)
    base = np.stack([
        np.stack([0.4 + 0.6 * harm, 1 - harm, np.full(types, 0.6)], axis=1),            # safety ORM
        np.tile([0.3, 0.5, 0.9], (types, 1)),                                            # human-values ORM
        np.tile([0.1, 0.9, 0.7], (types, 1)),                                            # general ORM
    ])
    rewards = np.clip(base + rng.uniform(-0.05, 0.05, base.shape), 0, 1)
    return {"harm": harm, "values": values, "counts": counts, "rewards": rewards,
            "reference": rng.dirichlet(np.full(3, 4.0), size=types),
            "ambiguous": (harm >= ambiguous[0]) & (harm <= ambiguous[1])}


def class_weights(counts: np.ndarray) -> np.ndarray:
    """w_k(s) = n_k(s)/n(s): a policy that sees the prompt but not its class, trained on the objective of
    Xu (2025), Sec. 4.1 (the class mixture J of Eq. multi_objective), optimizes Σ_k w_k(s)·R_k(s, a) at
    each prompt type — the effective reward of Sec. 4.2 with the data's own class shares as weights."""
    counts = np.asarray(counts, dtype=float)
    return counts / counts.sum(axis=0, keepdims=True)


def remove_ambiguous(rng: np.random.Generator, data: dict, removed: int = 200) -> np.ndarray:
    """The counts after the paper's data-curation step: ``removed`` prompts drawn at random (without
    replacement, whatever their label) from the ambiguous types are dropped."""
    counts = data["counts"].copy()
    at_boundary = counts * data["ambiguous"][None, :]                 # (3, S): the ambiguous prompts
    cells = np.repeat(np.arange(counts.size), at_boundary.ravel())    # one entry per ambiguous prompt
    if removed > len(cells):
        raise ValueError(f"removed = {removed} is more than the {len(cells)} ambiguous prompts")
    flat = counts.ravel()
    np.subtract.at(flat, rng.choice(cells, size=removed, replace=False), 1)
    return flat.reshape(counts.shape)


def kl_policies(reward: np.ndarray, reference: np.ndarray, beta: float) -> np.ndarray:
    """π_β(·|s) ∝ π_ref(·|s)·exp(R(s, ·)/β) per type, shape (S, A): the optimum of the KL-regularized
    objective of Xu (2025), Sec. 3.4 (the experiment trains with a KL loss, init_kl_coef 0.001);
    β = 0 is the greedy policy (lowest-index tie-break)."""
    if beta == 0:
        return np.eye(reward.shape[1])[np.argmax(reward, axis=1)]
    logits = np.log(reference) + reward / beta
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


HELD_OUT = 2001  # held-out prompts, evenly spread in harm over [0, 1]


def held_out_reward(harm: np.ndarray, r_eff: np.ndarray, prompts: np.ndarray, degree: int = 3) -> np.ndarray:
    """r̂(h, a) on ``HELD_OUT`` held-out harm levels: for each action a polynomial of ``degree`` in the harm
    level, fitted to R_eff(s, a) by least squares weighted by the prompts of each type — a shared, smooth
    estimate, so that a change of the data at some types moves the policy at every prompt (this lab's model of
    generalization, not the paper's). Shape (HELD_OUT, A)."""
    design = np.vander(harm, degree + 1)
    root = np.sqrt(np.asarray(prompts, dtype=float))[:, None]
    theta, *_ = np.linalg.lstsq(design * root, r_eff * root, rcond=None)
    return np.vander(np.linspace(0, 1, HELD_OUT), degree + 1) @ theta


def perturbation_experiment(seed: int, betas=(0.0, 0.001, 0.01, 0.1), delta: float = 0.01,
                            removed: int = 200, **data_options) -> dict:
    """The paper's two controlled perturbations on one random ``safety_boundary_data`` instance:

    - Model-1: the three ORMs and the data as drawn;
    - Model-2: the safety ORM alone changed by at most ``delta`` (a uniform random change of sup norm δ);
    - Model-3: Model-1's ORMs, ``removed`` ambiguous prompts dropped from the data.

    For each β: per-type TV between Model-1 and each perturbed model (``tv_reward``, ``tv_data``, (S,)), and
    the behaviour the paper's benchmarks stand in for, the refusal rate on a held-out safety benchmark
    (types weighted by harm) — ``refusal`` per model. Also ‖ΔR_eff‖∞ per perturbation, and per type the
    data perturbation's ‖ΔR_eff(s, ·)‖∞ bound TV(w(s), w'(s))·(max_k − min_k of R_k(s, a)).
    ``held_out``: the same for the policy acting on ``HELD_OUT`` held-out prompts through the fitted r̂
    (``held_out_reward``), with ‖Δr̂‖∞ per perturbation; the policies there use a uniform π_ref.
    """
    rng = np.random.default_rng(seed)
    data = safety_boundary_data(rng, **data_options)
    rewards, reference = data["rewards"], data["reference"]
    weights = class_weights(data["counts"])
    moved = rewards.copy()
    step = rng.uniform(-1, 1, size=rewards.shape[1:])
    moved[0] += delta * step / np.max(np.abs(step))
    curated_counts = remove_ambiguous(rng, data, removed)
    curated = class_weights(curated_counts)
    r_eff = {"model 1": effective_reward(rewards, weights), "model 2": effective_reward(moved, weights),
             "model 3": effective_reward(rewards, curated)}
    spread = (rewards.max(axis=0) - rewards.min(axis=0)).max(axis=1)                      # (S,)
    out = {"seed": seed, "data": data, "delta": delta, "removed": removed,
           "reff_change_reward": float(np.max(np.abs(r_eff["model 2"] - r_eff["model 1"]))),
           "reff_change_data": np.max(np.abs(r_eff["model 3"] - r_eff["model 1"]), axis=1),
           "reff_bound_data": 0.5 * np.abs(curated - weights).sum(axis=0) * spread,
           "by_beta": _compare(r_eff, reference, betas, data["harm"])}
    prompts = {"model 1": data["counts"].sum(axis=0), "model 2": data["counts"].sum(axis=0),
               "model 3": curated_counts.sum(axis=0)}
    fitted = {name: held_out_reward(data["harm"], r, prompts[name]) for name, r in r_eff.items()}
    out["held_out"] = {"reff_change_reward": float(np.max(np.abs(fitted["model 2"] - fitted["model 1"]))),
                       "reff_change_data": float(np.max(np.abs(fitted["model 3"] - fitted["model 1"]))),
                       "by_beta": _compare(fitted, np.full((HELD_OUT, 3), 1 / 3), betas, np.linspace(0, 1, HELD_OUT))}
    return out


def _compare(r_eff: dict, reference: np.ndarray, betas, harm: np.ndarray) -> dict:
    """Per β: TV per prompt between Model-1 and Model-2 / Model-3, and each model's harm-weighted refusal rate."""
    by_beta = {}
    for beta in betas:
        pi = {name: kl_policies(r, reference, beta) for name, r in r_eff.items()}
        by_beta[beta] = {
            "tv_reward": 0.5 * np.abs(pi["model 2"] - pi["model 1"]).sum(axis=1),
            "tv_data": 0.5 * np.abs(pi["model 3"] - pi["model 1"]).sum(axis=1),
            "refusal": {name: float(harm @ p[:, 0] / harm.sum()) for name, p in pi.items()},
        }
    return by_beta
