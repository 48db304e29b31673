"""The Policy Cliff lab, after Xu (2025), "The Policy Cliff: A Theoretical Analysis of
Reward-Policy Maps in Large Language Models" (arXiv 2507.20150).

- ``tie_bandit``: greedy, uniform-over-argmax and softmax policies on a tie bandit; TV jumps and bounds.
- ``reinforce``: the population trainer that learns the cliff (REINFORCE + entropy bonus).
- ``chain_mdp``: value iteration, soft value iteration and the inverse-Bellman reward on a chain.
- ``several_rewards``: several reward models mixed by state-dependent class weights.
- ``slacker``: the clever slacker, and the tie-breakers that restore the honest action.
"""
