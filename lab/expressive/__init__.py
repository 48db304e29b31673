"""Expressive and composed policies (issue 20): multimodal optima that simple policies average or collapse.

``flow`` holds the one flow-matching policy every lab here shares (a velocity field per seed). One module
per paper holds its toy, its mechanism and its population trainer.
"""
