# bitbox-stats: set-up, tests and the demo.
#   make demo   set up everything, then run the main job on the built-in simulated study
#   make test   set up everything, then run every test (Python, R, vignettes, docs)
#   make docs   build the documentation site into build/docs/ (index.html)
# Set-up installs, where missing, R and its packages from Debian's packages
# (apt-get, with sudo when not root) and creates .venv with the package and its extras.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
RLIB := $(VENV)/Rlib
BUILD := $(CURDIR)/build
R_VERSION := $(shell sed -n 's/^Version: *//p' r/DESCRIPTION)
# The Python sources the R package ships (install_bitbox_stats() installs them from there):
# generated from the repository before every R CMD INSTALL/build, never edited (git ignores them).
R_PYSRC := r/inst/python/bitbox-stats
DEB_PACKAGES := r-base-core r-base-dev r-cran-lavaan r-cran-psych r-cran-lme4 \
    r-cran-reticulate r-cran-testthat r-cran-rmarkdown r-cran-knitr r-cran-boot \
    r-cran-pkgdown pandoc chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export RETICULATE_PYTHON := $(PY)
export R_LIBS := $(RLIB)
export MPLBACKEND := Agg

.PHONY: setup system-deps demo test lint test-python test-r r-python-sources r-install r-build r-check \
    vignettes docs docs-site clean

setup: $(VENV)/.installed

system-deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq || { echo "ERROR: apt-get update failed; cannot install$$missing" >&2; exit 1; }; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing \
	    || { echo "ERROR: could not install the Debian packages$$missing" >&2; exit 1; }; \
	fi

$(VENV)/.installed: pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[r,dask,dev,docs]'
	$(PY) -m pip install -q --no-deps bitbox==2025.10.dev2
	mkdir -p $(RLIB)
	touch $@

demo: setup
	$(VENV)/bin/bitbox-stats demo --out $(BUILD)/demo --overwrite

lint: setup
	$(VENV)/bin/ruff check .

test-python: setup r-install
	$(VENV)/bin/pytest -q

r-python-sources:
	rm -rf r/inst/python
	mkdir -p $(R_PYSRC)
	cp pyproject.toml README.md $(R_PYSRC)/
	tar -cf - --exclude=__pycache__ --exclude='*.pyc' bitbox_stats | tar -xf - -C $(R_PYSRC)

r-install: setup r-python-sources
	mkdir -p $(RLIB)
	R CMD INSTALL --no-multiarch --library=$(RLIB) r > $(VENV)/r-install.log 2>&1 \
	  || { cat $(VENV)/r-install.log; echo "ERROR: R CMD INSTALL r failed" >&2; exit 1; }

# The tarball an R user installs from (R CMD INSTALL it, then install_bitbox_stats()).
r-build: r-python-sources
	mkdir -p $(BUILD)/r
	cd $(BUILD)/r && rm -f bitboxstats_*.tar.gz && R CMD build --no-build-vignettes $(CURDIR)/r > build.log 2>&1 \
	  || { cat build.log; echo "ERROR: R CMD build r failed" >&2; exit 1; }
	@echo "Built $(BUILD)/r/bitboxstats_$(R_VERSION).tar.gz"

test-r: r-install
	cd r/tests && Rscript -e 'library(testthat); library(bitboxstats); test_dir("testthat", reporter = "summary", stop_on_failure = TRUE, package = "bitboxstats", load_package = "installed")'

r-check: r-install
	rm -rf $(BUILD)/rcheck && mkdir -p $(BUILD)/rcheck
	cd $(BUILD)/rcheck && R CMD build --no-build-vignettes $(CURDIR)/r > build.log 2>&1 \
	  || { cat build.log; exit 1; }
	cd $(BUILD)/rcheck && _R_CHECK_FORCE_SUGGESTS_=true R CMD check --no-manual bitboxstats_*.tar.gz > check.log 2>&1; \
	  status=$$?; cat check.log; \
	  if [ $$status -ne 0 ] || grep -qE "^Status: .*(ERROR|WARNING)" check.log; then \
	    cat bitboxstats.Rcheck/tests/testthat.Rout.fail 2>/dev/null || true; \
	    echo "ERROR: R CMD check reported errors or warnings" >&2; exit 1; fi

vignettes: r-install
	rm -rf $(BUILD)/vignettes && mkdir -p $(BUILD)/vignettes
	for v in vignettes/*.py; do \
	  name=$$(basename $${v%.py}); \
	  $(VENV)/bin/jupytext --quiet --to ipynb --output $(BUILD)/vignettes/$$name.ipynb $$v && \
	  $(VENV)/bin/jupyter nbconvert --log-level=WARN --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 $(BUILD)/vignettes/$$name.ipynb && \
	  $(VENV)/bin/jupyter nbconvert --log-level=WARN --to html --output-dir $(BUILD)/vignettes \
	    $(BUILD)/vignettes/$$name.ipynb \
	    || { echo "ERROR: vignette $$v failed" >&2; exit 1; }; \
	done
	for v in vignettes/*.Rmd; do \
	  Rscript -e "rmarkdown::render('$$v', output_dir = '$(BUILD)/vignettes', intermediates_dir = tempdir(), knit_root_dir = tempdir(), quiet = TRUE, output_options = list(keep_md = TRUE))" \
	    || { echo "ERROR: vignette $$v failed" >&2; exit 1; }; \
	done
	@echo "Rendered vignettes: $$(ls $(BUILD)/vignettes/*.html | tr '\n' ' ')"

# The documentation site: Sphinx (docs/: guide, vignettes with the outputs of `make vignettes`,
# API reference, CLI) with warnings as errors and numpydoc validation, the R package's pkgdown
# site in build/docs/r/, then a check of every internal link and image of both.
# `make docs-site` rebuilds the site from the vignettes already in build/vignettes/.
define DOCS_SITE
@rm -rf $(BUILD)/docs $(BUILD)/docs-doctrees
@start=$$SECONDS; \
echo "Building the documentation (Sphinx, then pkgdown) ..."; \
$(VENV)/bin/sphinx-build -W --keep-going -E -q -b html -d $(BUILD)/docs-doctrees docs $(BUILD)/docs; \
$(PY) docs/build_pkgdown.py --vignettes $(BUILD)/vignettes --out $(BUILD)/docs/r; \
$(PY) docs/linkcheck.py $(BUILD)/docs; \
echo "Documentation built in $$((SECONDS - start)) s: $(BUILD)/docs/index.html"
endef

docs: vignettes
	$(DOCS_SITE)

docs-site: r-install
	$(DOCS_SITE)

test: lint r-install test-python test-r r-check vignettes docs

clean:
	rm -rf $(VENV) $(BUILD)
