"""Game-theoretic learning dynamics: preference games, their regularized equilibria, and the
algorithms that learn them (Nash-MP and its peers)."""
