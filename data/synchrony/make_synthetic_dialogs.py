"""Regenerate synthetic_dialogs.csv beside this script (seeded: the same bytes every time).

    .venv/bin/python data/synchrony/make_synthetic_dialogs.py
"""
from pathlib import Path

from lab.synchrony.synthetic import write_synthetic_dialogs

if __name__ == "__main__":
    print(write_synthetic_dialogs(Path(__file__).resolve().parent / "synthetic_dialogs.csv"))
