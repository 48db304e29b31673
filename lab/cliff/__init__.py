"""The Policy Cliff lab, after Xu (2025), "The Policy Cliff: A Theoretical Analysis of
Reward-Policy Maps in Large Language Models" (arXiv 2507.20150).

- ``tie_bandit``: greedy, uniform-over-argmax and softmax policies on a tie bandit; TV jumps and bounds.
- ``reinforce``: the population trainer that learns the cliff (REINFORCE + entropy bonus).
- ``chain_mdp``: value iteration, soft (entropy or KL-to-reference) value iteration with closed forms, and the
  inverse-Bellman reward on a chain.
- ``several_rewards``: several reward models mixed by state-dependent class weights, and the paper's Sec. 5
  multi-reward perturbation experiment in miniature (what differs is in its comments).
- ``regularized``: the KL-to-reference bound TV ≤ ε/(2β), its tightness, and the cost of stability against α.
- ``slacker``: the clever slacker, and the tie-breakers that restore the honest action.
"""
