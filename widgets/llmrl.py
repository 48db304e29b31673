"""The LLM-RL stability lab's figures and its LabView declaration.

Every figure takes a History of an ``LLMRLTrainer`` (one objective) or of a ``CompareTrainer``
(two objectives on the same seeds, members labelled ``objective``) and draws each objective in
its own colour; the entropy figure puts the objectives side by side.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.core import History
from lab.llmrl import LLMRLConfig
from lab.llmrl.compare import OWN_METRICS, CompareConfig, CompareTrainer
from lab.llmrl.health import CHI2_MAX, ESS_MIN, IS_MEAN_RANGE, IS_STD_MAX

from .labview import LabView
from .live import add_band, thin

ABOUT = ("A tiny token policy learns a verifiable task (digits that sum to a target) by GRPO or a "
         "stabilized objective; the same seeds train under 'objective' and 'versus' at once. It starts on "
         "the mismatch failure: rollouts come from a hotter sampler μ_old (temperature 3) and each batch "
         "feeds 8 stale updates. What mismatch costs here is reward: watch plain GRPO's true reward settle "
         "below MiniRL's importance-corrected, masked objective (over 100 steps, 8 seeds, base seeds 0–2: "
         "GRPO 0.18–0.23 below its no-mismatch control, MiniRL 0.05–0.13). The red ✕ marks a seed whose "
         "entropy fell through the floor — on digit_sum that is convergence, not failure: without mismatch "
         "(sampler_temperature 1) both objectives cross it too; on task 'diverse' (many correct answers) it is "
         "failure. What the other stabilizers were found to do, each against its own failure (8 seeds, base "
         "seeds 0–2, notebook 08): MHPO with hazard_coef 0.03 keeps learning where GRPO collapses onto a wrong "
         "answer under lr 3e-2 × 4 mini-batches (+0.09 to +0.26 true reward at 100 steps; at hazard_coef 0 it "
         "collapses like GRPO, at the default 0.1 it learns too slowly to gain); CAPO does not prevent that "
         "collapse, it deepens it (0.10–0.15 against GRPO's 0.43–0.57); SAFE keeps 0.12–0.18 true reward where "
         "GRPO trained on a hackable proxy falls to 0.00 (reward = proxy), through its KL hinge — its PID "
         "threshold changes nothing measurable; Dr. MAS's agent-wise normalization lets a 100× smaller reward "
         "class learn under a global baseline, as GRPO's per-prompt groups already do. The last figure reads "
         "verl's rollout-correction health checks seed by seed: under this mismatch more of MiniRL's seeds cross "
         "them than GRPO's (IS weight std above 1 in 7, 8, 8 of 8 against 3, 4, 4), though MiniRL loses less "
         "reward — the checks measure the mismatch, not what it costs.")
VIEW_START = dict(seeds=4, lr=1e-2, minibatches=8, sampler_temperature=3.0, objective="grpo", versus="minirl",
                  steps=80)
COLORS = {"grpo": "#d62728", "minirl": "#1f77b4", "mhpo": "#2ca02c", "capo": "#9467bd", "safe": "#ff7f0e"}
MAX_SEED_LINES = 16
MAX_NOTES = 4      # collapse annotations per panel (every collapse still gets its ✕ and line)


def _layout(title: str, **extra) -> dict:
    return dict(title=title, height=380, uirevision="keep", margin=dict(l=60, r=20, t=70, b=50),
                legend=dict(orientation="h", y=-0.2), **extra)


def _fill(color: str, alpha: float = 0.18) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def groups(history: History | None, config: LLMRLConfig) -> list[tuple[str, np.ndarray]]:
    """(objective, member indices) in the order trained; one group for a plain LLMRLTrainer's History."""
    if history is not None and "objective" in history.members:
        labels = np.asarray(history.members["objective"])
        return [(o, np.flatnonzero(labels == o)) for o in dict.fromkeys(labels.tolist())]
    if history is not None:
        return [(config.objective, np.arange(history.population))]
    objectives = config.objectives if isinstance(config, CompareConfig) else [config.objective]
    return [(o, np.arange(config.seeds)) for o in objectives]


def _ready(history: History | None) -> bool:
    return history is not None and len(history) > 0


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray, tiny: float = 0.0) -> np.ndarray:
    """numerator / denominator, NaN (never inf, no warning) where the denominator is ≤ ``tiny``, the
    numerator is below ``tiny`` (when ``tiny`` > 0), or either is not finite."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    ok = (denominator > tiny) & np.isfinite(denominator) & np.isfinite(numerator)
    if tiny > 0:
        ok &= numerator >= tiny
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=ok)
    return out


def nan_median(values: np.ndarray, axis=None):
    """np.nanmedian without the all-NaN warning (an all-NaN slice gives NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=axis)


def collapse_onsets(history: History, members: np.ndarray, floor: float) -> list[dict]:
    """Where each member's sticky ``collapsed`` flag first turns on: member, seed, step, entropy there and
    the cause ('entropy' below the floor at that step, else 'reward crash'); members that never collapse
    are left out."""
    flags, entropy, steps = history.values("collapsed"), history.values("entropy"), history.steps
    onsets = []
    for m in members:
        on = np.flatnonzero(flags[:, m] > 0.5)
        if len(on):
            i = on[0]
            onsets.append(dict(member=int(m), seed=history.members["seed"][m], step=int(steps[i]),
                               entropy=float(entropy[i, m]),
                               cause="entropy" if entropy[i, m] < floor else "reward crash"))
    return onsets


# --- the figures ------------------------------------------------------------------------------


def reward_figure(history: History | None, config: LLMRLConfig) -> go.Figure:
    """The training reward (mean over seeds) with the within-batch spread (± the mean std) as a band.
    With a hackable reward ('proxy', 'robust') also the true reward, the proxy reward averaged over the
    ensemble's members — their gap is reward hacking — and the fraction of hack tokens (tokens some member
    rewards). With 'pass' (pass@1 on the diverse task, which no proxy fools) also the true reward: there the
    gap is the variety lost by repeating one correct answer, not hacking."""
    hackable = config.reward in ("proxy", "robust")
    title = f"Training reward ({config.reward}): mean over seeds, band ± within-batch std"
    if hackable:
        title += ("<br><sup>dashed: true (verifier) reward, dotted: proxy reward (mean of the "
                  f"{config.ensemble} members) — the gap is hacking; dash-dot: fraction of hack tokens</sup>")
    elif config.reward == "pass":
        title += ("<br><sup>dashed: true reward (a correct answer earns 1/its copies in the group) — the gap is "
                  "lost variety: the same correct answer repeated</sup>")
    fig = go.Figure(layout=_layout(title, xaxis_title="step", yaxis_title="reward"))
    if not _ready(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    for objective, idx in groups(history, config):
        color = COLORS[objective]
        mean = history.values("reward_mean")[:, idx].mean(1)
        spread = history.values("reward_std")[:, idx].mean(1)
        steps, mean, spread = thin(history.steps, mean, spread)
        add_band(fig, steps, mean - spread, mean + spread, _fill(color), f"{objective}: ± std in the batch")
        fig.add_scatter(x=steps, y=mean, mode="lines", name=f"{objective}: training reward",
                        line=dict(color=color, width=3))
        if config.reward == "pass":
            s, v = thin(history.steps, history.values("true_reward")[:, idx].mean(1))
            fig.add_scatter(x=s, y=v, mode="lines", name=f"{objective}: true reward",
                            line=dict(color=color, dash="dash", width=2))
        if hackable:
            true = history.values("true_reward")[:, idx]
            gaps = np.mean([history.values(f"proxy{k}_minus_true")[:, idx] for k in range(config.ensemble)], 0)
            for values, dash, label in [(true, "dash", "true reward"), (true + gaps, "dot", "proxy reward"),
                                        (history.values("hack_fraction")[:, idx], "dashdot", "hack-token fraction")]:
                s, v = thin(history.steps, values.mean(1))
                fig.add_scatter(x=s, y=v, mode="lines", name=f"{objective}: {label}",
                                line=dict(color=color, dash=dash, width=2))
    return fig


FLOOR_MEANS_FAILURE = "many answers are correct, so crossing the floor is failure: one answer repeated"


def entropy_figure(history: History | None, config: LLMRLConfig) -> go.Figure:
    """Policy entropy per seed, objectives side by side; the collapse floor dashed; a red ✕, a vertical
    line and a note where a seed's ``collapsed`` flag first turns on."""
    parts = groups(history, config)
    ready = _ready(history)
    titles = []
    for objective, idx in parts:
        if ready:
            n = int((history.values("collapsed")[-1, idx] > 0.5).sum())
            titles.append(f"{objective}: {n} of {len(idx)} seeds collapsed")
        else:
            titles.append(objective)
    fig = make_subplots(rows=1, cols=len(parts), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.05)
    top = math.log(config.vocab)
    last = int(history.steps[-1]) if ready else config.steps
    first = int(history.steps[0]) if ready else 0
    for col, (objective, idx) in enumerate(parts, start=1):
        color = COLORS[objective]
        fig.add_scatter(x=[first, last], y=[config.entropy_floor] * 2, mode="lines", showlegend=col == 1,
                        name=f"collapse floor {config.entropy_floor:g} nats", legendgroup="floor",
                        line=dict(color="#555", dash="dash", width=1.5), row=1, col=col)
        if not ready:
            fig.add_scatter(x=[], y=[], mode="lines", name="press Run", row=1, col=col)
            continue
        entropy = history.values("entropy")
        shown = idx[:MAX_SEED_LINES]
        steps, values = thin(history.steps, entropy[:, shown])
        for column, m in zip(values.T, shown):
            fig.add_scatter(x=steps, y=column, mode="lines", line=dict(color=color, width=1.3), opacity=0.8,
                            name=f"{objective} seed {history.members['seed'][m]}", showlegend=False,
                            row=1, col=col)
        onsets = collapse_onsets(history, shown, config.entropy_floor)
        xs = [v for o in onsets for v in (o["step"], o["step"], None)]
        ys = [v for _ in onsets for v in (0.0, top, None)]
        fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color="#d62728", width=1, dash="dot"),
                        hoverinfo="skip", showlegend=False, name="collapse onsets", row=1, col=col)
        fig.add_scatter(x=[o["step"] for o in onsets], y=[o["entropy"] for o in onsets], mode="markers",
                        marker=dict(symbol="x", size=12, color="#d62728", line=dict(width=1)),
                        name="collapsed (flag turns on)", legendgroup="collapse", showlegend=col == 1,
                        text=[f"seed {o['seed']}: {o['cause']}" for o in onsets],
                        hovertemplate="step %{x}: %{text}<extra>collapse</extra>", row=1, col=col)
        axis = "" if col == 1 else str(col)
        for k, o in enumerate(onsets[:MAX_NOTES]):
            right = o["step"] > first + 0.6 * (last - first)          # keep the note inside the panel
            fig.add_annotation(x=o["step"], y=top * (0.92 - 0.09 * k), xref=f"x{axis}", yref=f"y{axis}",
                               text=f"seed {o['seed']} collapsed, step {o['step']} ({o['cause']})",
                               showarrow=False, xanchor="right" if right else "left",
                               font=dict(size=10, color="#d62728"), bgcolor="rgba(255,255,255,0.7)")
    fig.update_yaxes(range=[0, top * 1.02])
    fig.update_yaxes(title_text="entropy (nats per token)", row=1, col=1)
    fig.update_xaxes(title_text="step", range=[first, last])
    reading = (FLOOR_MEANS_FAILURE if config.task == "diverse" else
               "crossing the floor can be convergence: compare a control run without the stress")
    fig.update_layout(**_layout("Policy entropy per seed — ✕ where a seed collapses (entropy below the floor "
                                f"or a reward crash)<br><sup>task '{config.task}': {reading}</sup>"))
    return fig


def kl_figure(history: History | None, config: LLMRLConfig) -> go.Figure:
    """KL(π_old ‖ π_ref) per position: mean over seeds, band over the seeds' range; SAFE's threshold τ dashed."""
    fig = go.Figure(layout=_layout("KL to the reference policy (mean over seeds, band: range over seeds)",
                                   xaxis_title="step", yaxis_title="KL(π ‖ π_ref), nats per token"))
    if not _ready(history):
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run")
        return fig
    kl = history.values("kl_ref")
    for objective, idx in groups(history, config):
        color = COLORS[objective]
        steps, mean, lo, hi = thin(history.steps, kl[:, idx].mean(1), kl[:, idx].min(1), kl[:, idx].max(1))
        add_band(fig, steps, lo, hi, _fill(color), f"{objective}: range over seeds")
        fig.add_scatter(x=steps, y=mean, mode="lines", name=f"{objective}: mean KL", line=dict(color=color, width=3))
        if objective == "safe":
            s, tau = thin(history.steps, history.values("safe_threshold")[:, idx].mean(1))
            fig.add_scatter(x=s, y=tau, mode="lines", name="SAFE: KL threshold τ (mean over seeds)",
                            line=dict(color=color, dash="dash", width=2))
    return fig


def ratio_figure(history: History | None, config: LLMRLConfig) -> go.Figure:
    """Importance ratios and what the objectives cut: π_θ/π_old quantiles (staleness) with the clip range,
    π_old/μ_old quantiles (the sampler mismatch), and the fractions of tokens clipped, masked or truncated."""
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.07, subplot_titles=[
        "π_θ / π_old: 5%, 50%, 95% quantiles", "π_old / μ_old (mismatch): 5%, 95%",
        "fraction of tokens clipped / masked"])
    parts = groups(history, config)
    ready = _ready(history)
    x_range = [int(history.steps[0]), int(history.steps[-1])] if ready else [0, config.steps]
    # The clip range of the objectives that clip r; MHPO bounds its modulated ratio e^{ψ(r)}, not r itself,
    # so no line on this panel is MHPO's bound.
    clipping = [objective for objective, _ in parts if objective != "mhpo"]
    if clipping:
        lo, hi = 1 - config.clip_eps, 1 + config.clip_eps
        fig.add_scatter(x=x_range + [None] + x_range, y=[lo, lo, None, hi, hi], mode="lines",
                        line=dict(color="#555", dash="dot", width=1),
                        name=f"clip range 1 ± ε of r ({', '.join(clipping)})", row=1, col=1)
    if not ready:
        for col in (1, 2, 3):
            fig.add_scatter(x=[], y=[], mode="lines", name="press Run", showlegend=col == 1, row=1, col=col)
    else:
        for objective, idx in parts:
            color = COLORS[objective]

            def line(metric, col, dash, name, width=2):
                s, v = thin(history.steps, history.values(metric)[:, idx].mean(1))
                fig.add_scatter(x=s, y=v, mode="lines", line=dict(color=color, dash=dash, width=width),
                                name=f"{objective}: {name}", row=1, col=col)

            line("ratio_q05", 1, "dash", "ratio 5%")
            line("ratio_q50", 1, "solid", "ratio median", 3)
            line("ratio_q95", 1, "dash", "ratio 95%")
            line("mismatch_q05", 2, "dash", "π_old/μ_old 5%")
            line("mismatch_q95", 2, "solid", "π_old/μ_old 95%")
            line("clip_frac", 3, "solid", "clipped or masked (all causes)", 3)
            for metric, name in [("truncated_frac", "IS weight truncated at C"), ("capo_masked", "CAPO-masked"),
                                 ("safe_gate", "SAFE's KL gate g (0–1)")]:
                if metric in history.metrics and OWN_METRICS[metric] == objective:
                    line(metric, 3, "dot", name)
    for col in (1, 2):        # log axes spanning at least [0.5, 2], so float noise around 1 is not magnified
        traces = [t.y for t in fig.select_traces(row=1, col=col) if t.y is not None and len(t.y)]
        ys = np.array([y for y in np.concatenate(traces) if y is not None], float) if traces else np.ones(1)
        ys = ys[np.isfinite(ys) & (ys > 0)]
        low, high = min(ys.min(initial=1.0), 0.5), max(ys.max(initial=1.0), 2.0)
        fig.update_yaxes(type="log", range=[math.log10(low) - 0.05, math.log10(high) + 0.05], row=1, col=col)
    fig.update_yaxes(rangemode="tozero", row=1, col=3)
    fig.update_xaxes(title_text="step")
    fig.update_layout(**_layout("Importance ratios (mean over seeds of each seed's quantiles) and tokens cut"))
    return fig


# The health metrics drawn, each with verl's warning bounds (low, high) where it states one (``health.py``):
# a seed is flagged when its value leaves them at any recorded step.
HEALTH_PANELS = [("is_mean", "mean IS weight π_old/μ_old", IS_MEAN_RANGE),
                 ("is_std", "IS weight std", (None, IS_STD_MAX)),
                 ("is_ess", "effective sample size (token)", (ESS_MIN, None)),
                 ("chi2_token", "χ² (token)", (None, CHI2_MAX)),
                 ("chi2_seq", "χ² (sequence)", (None, None)),
                 ("mismatch_k3", "k3 KL(μ_old ‖ π_old)", (None, None))]


def first_crossings(values: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """Per member (column), the first step index where ``values`` (steps, members) is below ``low`` or above
    ``high``; −1 for a member that never crosses (or when neither bound is given)."""
    crossed = np.zeros(values.shape, bool)
    if low is not None:
        crossed |= values < low
    if high is not None:
        crossed |= values > high
    return np.where(crossed.any(0), crossed.argmax(0), -1)


def crossing_phrase(bounds: tuple[float | None, float | None]) -> str:
    low, high = bounds
    if low is not None and high is not None:
        return f"outside [{low:g}, {high:g}]"
    return f"below {low:g}" if low is not None else f"above {high:g}"


def health_figure(history: History | None, config: LLMRLConfig) -> go.Figure:
    """The rollout-correction health metrics (``lab/llmrl/health.py``), one panel each: a thin line per seed
    in its objective's colour, verl's warning bounds dashed, a red ✕ where a seed first crosses them, and the
    count of seeds that cross in the panel's title ("3 of 8 seeds below 0.3"); panels whose metric has no
    stated bound say so."""
    parts = groups(history, config)
    ready = _ready(history)
    titles = []
    for metric, label, bounds in HEALTH_PANELS:
        if bounds == (None, None):
            titles.append(f"{label}<br><sup>no threshold stated</sup>")
        elif ready:
            counts = ", ".join(f"{o} {int((first_crossings(history.values(metric)[:, idx], *bounds) >= 0).sum())} "
                               f"of {len(idx)}" for o, idx in parts)
            titles.append(f"{label}<br><sup>seeds {crossing_phrase(bounds)} at some step: {counts}</sup>")
        else:
            titles.append(f"{label}<br><sup>warns {crossing_phrase(bounds)}</sup>")
    fig = make_subplots(rows=2, cols=3, subplot_titles=titles, horizontal_spacing=0.07, vertical_spacing=0.2)
    x_range = [int(history.steps[0]), int(history.steps[-1])] if ready else [0, config.steps]
    for k, (metric, label, bounds) in enumerate(HEALTH_PANELS):
        row, col = divmod(k, 3)
        row, col = row + 1, col + 1
        for j, bound in enumerate(b for b in bounds if b is not None):
            fig.add_scatter(x=x_range, y=[bound, bound], mode="lines", line=dict(color="#555", dash="dash", width=1.5),
                            name="verl's warning bound", legendgroup="bound", showlegend=k == j == 0, row=row, col=col)
        if not ready:
            fig.add_scatter(x=[], y=[], mode="lines", name="press Run", showlegend=k == 0, row=row, col=col)
            continue
        values = history.values(metric)
        for objective, idx in parts:
            shown = idx[:MAX_SEED_LINES]
            steps, lines = thin(history.steps, values[:, shown])
            for j, (column, m) in enumerate(zip(lines.T, shown)):
                fig.add_scatter(x=steps, y=column, mode="lines", line=dict(color=COLORS[objective], width=1.2),
                                opacity=0.75, name=f"{objective}: one line per seed", legendgroup=objective,
                                showlegend=k == 0 and j == 0, row=row, col=col)
            first = first_crossings(values[:, idx], *bounds)
            crossed = idx[first >= 0]
            at = first[first >= 0]
            fig.add_scatter(x=history.steps[at], y=values[at, crossed], mode="markers",
                            marker=dict(symbol="x", size=10, color="#d62728"), name="seed crosses (first step)",
                            legendgroup="crosses", showlegend=k == 0 and objective == parts[0][0],
                            text=[f"{objective} seed {history.members['seed'][m]}" for m in crossed],
                            hovertemplate="step %{x}: %{text}<extra>crosses</extra>", row=row, col=col)
    fig.update_xaxes(title_text="step", row=2)
    fig.update_layout(**_layout("Rollout-correction health per seed (π_old vs the sampler μ_old) — ✕ where a seed "
                                "first crosses verl's warning bound"))
    fig.update_layout(height=640, margin=dict(t=110))
    return fig


# A prompt class whose gradient norm is below this had (almost) no advantage signal in the step — its
# group's rewards were all equal, as after a collapse — and its ratio to another class is left undefined.
NO_SIGNAL = 1e-4   # advantages are normalized, so a class with signal has norms ~0.01–10


def grad_norm_ratios(history: History, idx: np.ndarray, k: int) -> np.ndarray:
    """‖∇ from class k‖ / ‖∇ from class 0‖ per recorded step and member; NaN where either norm is below
    NO_SIGNAL (no signal: 0/0, x/0 and 0/x are not ratios of two gradients)."""
    return safe_ratio(history.values(f"grad_norm_agent{k}")[:, idx], history.values("grad_norm_agent0")[:, idx],
                      tiny=NO_SIGNAL)


def grad_norm_figure(history: History | None, config: LLMRLConfig) -> go.Figure:
    """Gradient norm from each agent (prompt class), mean over seeds, and each class's norm over class 0's
    (median over seeds; steps where a class had no signal are left out, not drawn as infinite or 0)."""
    parts = groups(history, config)
    ready = _ready(history)
    notes = []
    if ready and config.classes > 1:
        for objective, idx in parts:
            median = nan_median(grad_norm_ratios(history, idx, config.classes - 1))
            notes.append(f"{objective} {median:.2f}")
    second = ("‖∇ agent k‖ / ‖∇ agent 0‖ (median over seeds)" if config.classes > 1
              else "one agent (prompt class): no ratio")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=["gradient norm per agent (prompt class)", second])
    title = f"Gradient norms, normalization = '{config.normalization}'"
    if notes:
        title += f"<br><sup>median ratio agent {config.classes - 1} / agent 0 over the run: {', '.join(notes)}</sup>"
    x_range = [int(history.steps[0]), int(history.steps[-1])] if ready else [0, config.steps]
    fig.add_scatter(x=x_range, y=[1, 1], mode="lines", line=dict(color="#555", dash="dot", width=1),
                    name="ratio 1 (balanced)", row=1, col=2)
    if not ready:
        fig.add_scatter(x=[], y=[], mode="lines", name="press Run", row=1, col=1)
    else:
        dashes = ["solid", "dash", "dot", "dashdot"]
        for objective, idx in parts:
            color = COLORS[objective]
            for k in range(config.classes):
                s, v = thin(history.steps, history.values(f"grad_norm_agent{k}")[:, idx].mean(1))
                fig.add_scatter(x=s, y=v, mode="lines", line=dict(color=color, dash=dashes[k % 4], width=2),
                                name=f"{objective}: agent {k}", row=1, col=1)
            for k in range(1, config.classes):
                s, v = thin(history.steps, nan_median(grad_norm_ratios(history, idx, k), axis=1))
                fig.add_scatter(x=s, y=v, mode="lines", line=dict(color=color, dash=dashes[k % 4], width=2),
                                name=f"{objective}: agent {k} / agent 0", connectgaps=False, row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_xaxes(title_text="step")
    fig.update_layout(**_layout(title))
    return fig


ARM_COLORS = ["#d62728", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#555555"]


def arms_figure(runs: dict[str, History], panels: list[tuple[str, str]], title: str) -> go.Figure:
    """Runs side by side ("arms": a failure, a stabilizer, its knob turned off, …), one panel per
    (metric, panel title): each arm's mean over seeds as a line, the band from its lowest to its highest seed.
    An arm that does not record a panel's metric is left out of that panel."""
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for _, t in panels], horizontal_spacing=0.07)
    for (label, history), color in zip(runs.items(), ARM_COLORS):
        for col, (metric, _) in enumerate(panels, start=1):
            if metric not in history.metrics:
                continue
            values = history.values(metric)
            steps, mean, lo, hi = thin(history.steps, values.mean(1), values.min(1), values.max(1))
            add_band(fig, steps, lo, hi, _fill(color, 0.12), f"{label}: seeds", showlegend=False, row=1, col=col)
            fig.add_scatter(x=steps, y=mean, mode="lines", line=dict(color=color, width=2.5), name=label,
                            legendgroup=label, showlegend=col == 1, row=1, col=col)
    fig.update_xaxes(title_text="step")
    fig.update_layout(**_layout(f"{title}<br><sup>mean over seeds; band from the lowest to the highest seed</sup>"))
    return fig


FIGURES = [reward_figure, entropy_figure, kl_figure, ratio_figure, grad_norm_figure, health_figure]


def llmrl_view(**values) -> LabView:
    """The live view: two objectives on the same seeds (``versus = 'none'`` trains one); ``values`` start
    controls away from VIEW_START."""
    return LabView("LLM-RL stability: the same seeds under two objectives", CompareTrainer, list(FIGURES), ABOUT,
                   values={**VIEW_START, **values})

