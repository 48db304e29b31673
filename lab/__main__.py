"""``python -m lab``: the stability-lab command."""
import sys

from .cli import main

sys.exit(main())
