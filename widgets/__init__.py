"""Stability Lab's faces: controls and plotly figures built from lab/ objects.

``LabView`` (controls + run buttons + progress + status + live figures) renders with
ipywidgets in JupyterLab (``view.show()``) and with Panel in the dashboard (``view.panel()``).
"""
from .labview import LabView

__all__ = ["LabView"]
