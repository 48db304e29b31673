# Stability Lab: the two commands are `make dashboard` and `make test`.
# Each creates .venv and installs the project into it the first time; later runs reuse it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 5006
KERNEL := stability-lab

.PHONY: install dashboard test lab chromium clean

install: $(STAMP)

# The kernel runs torch on one intra-op thread: the labs' tensors are small, and two threads on a
# 2-core machine shared with the browser and the server made cells 5-10x slower (clicks waited on them).
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (Stability Lab)" \
	  --env OMP_NUM_THREADS 1 >/dev/null
	touch $(STAMP)

# Serve the Panel dashboard (every lab a tab) on localhost only; ADDRESS=0.0.0.0 serves the network
# behind a password ($$LAB_DASHBOARD_PASSWORD, or one generated and printed).
dashboard: $(STAMP)
	$(PY) -m lab dashboard --port $(PORT) $(if $(ADDRESS),--address $(ADDRESS))

# JupyterLab on the notebooks (localhost only), with the venv's kernel "Python (Stability Lab)".
# Port 8888 unless PORT is given (make lab PORT=8890). As root (containers, CI) the command adds
# --allow-root and opens no desktop browser (lab/cli.py).
lab: LAB_PORT = $(if $(filter command line environment,$(origin PORT)),$(PORT),8888)
lab: $(STAMP)
	$(PY) -m lab lab --port $(LAB_PORT)

# Debian's Chromium for the dashboard's browser test (Playwright cannot download its own here).
chromium:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The whole suite: unit tests, every notebook through papermill, the dashboard in headless Chromium.
test: $(STAMP) chromium
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
