# earkiv build, test and benchmark entry points. Every target sets up what it needs.
SHARED      ?= ../shared
SCHEMA_SRC  := $(SHARED)/schemas
BIN         := bin/earkiv
GO          ?= go
BENCH_DIR   ?= bench-out

.PHONY: all build schemas run test lint deps minio bench samples clean

all: build

# Copy the official schemas (never committed) into the folder the binary embeds.
schemas:
	@test -f $(SCHEMA_SRC)/wrappers/eark-csip-sip-2.xsd || { echo "missing $(SCHEMA_SRC): put the shared folder beside the project"; exit 2; }
	@mkdir -p schemas/official
	@cp -R $(SCHEMA_SRC)/. schemas/official/

# The version every AIP records: git describe of the checkout.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)

build: schemas
	$(GO) build -buildvcs=auto -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/earkiv

# The main job on embedded defaults: earkiv serve (embedded NATS, S3 gateway,
# catalog) with a demo municipality, submitting the sample packages.
# ARGS passes flags to deploy/run.sh, e.g. ARGS="--nats.addr 127.0.0.1:14222".
run: build
	BIN=$(BIN) ./deploy/run.sh $(ARGS)

# MinIO server, the second S3 implementation the storage tests run against.
# Built once (about 3-5 minutes) into a cache outside the clone.
MINIO_VERSION ?= v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_BIN     ?= $(HOME)/.cache/earkiv/bin/minio
minio:
	@test -x $(MINIO_BIN) || { echo "building MinIO server $(MINIO_VERSION) into $(MINIO_BIN) (once)"; \
	  GOBIN=$(dir $(MINIO_BIN)) $(GO) install github.com/minio/minio@$(MINIO_VERSION); }

# Tools tests need: xmllint for the differential XSD test, Debian's
# chromium for the web interface's browser tests (internal/web).
deps:
	@command -v xmllint >/dev/null 2>&1 || { \
	  echo "installing libxml2-utils (xmllint)"; \
	  (apt-get update -qq && apt-get install -y -qq libxml2-utils) >/dev/null 2>&1 || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq libxml2-utils) >/dev/null 2>&1 || \
	  { echo "could not install xmllint"; exit 2; }; }
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium (browser tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	  { echo "could not install chromium"; exit 2; }; }
	@{ test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf && test -f /usr/share/color/icc/sRGB.icc && \
	  command -v pdftotext >/dev/null 2>&1; } || { \
	  echo "installing fonts-dejavu-core, icc-profiles-free, poppler-utils (gallringsprotokoll PDF)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core icc-profiles-free poppler-utils) >/dev/null 2>&1 || \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core icc-profiles-free poppler-utils) >/dev/null 2>&1 || \
	  { echo "could not install the PDF packages"; exit 2; }; }

# Linters at pinned versions, installed once into the cache beside MinIO.
STATICCHECK_VERSION ?= v0.8.2
ERRCHECK_VERSION    ?= v1.30.0
LINT_BIN            ?= $(HOME)/.cache/earkiv/bin
lint: schemas
	@test -x $(LINT_BIN)/staticcheck-$(STATICCHECK_VERSION) || { GOBIN=$(LINT_BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) && mv $(LINT_BIN)/staticcheck $(LINT_BIN)/staticcheck-$(STATICCHECK_VERSION); }
	@test -x $(LINT_BIN)/errcheck-$(ERRCHECK_VERSION) || { GOBIN=$(LINT_BIN) $(GO) install github.com/kisielk/errcheck@$(ERRCHECK_VERSION) && mv $(LINT_BIN)/errcheck $(LINT_BIN)/errcheck-$(ERRCHECK_VERSION); }
	$(GO) vet ./...
	$(LINT_BIN)/staticcheck-$(STATICCHECK_VERSION) ./...
	# Ignored errors are listed, each kind with its reason, in .errcheck-exclude.
	$(LINT_BIN)/errcheck-$(ERRCHECK_VERSION) -ignoretests -exclude .errcheck-exclude ./...

test: schemas deps minio lint
	EARKIV_MINIO_BIN=$(MINIO_BIN) EARKIV_REQUIRE_MINIO=1 EARKIV_REQUIRE_BROWSER=1 $(GO) test -race -count=1 -timeout 20m ./...
	# Fuzz budgets are counts of runs, not durations: with a duration, Go
	# before 1.27 can fail a healthy target with "context deadline exceeded"
	# when its workers are busy at the deadline (golang/go#75804).
	$(GO) test -count=1 -run XXX -fuzz FuzzOpenArchive -fuzztime 100000x -timeout 5m ./internal/pkgfs/
	$(GO) test -count=1 -run XXX -fuzz FuzzParseMETS -fuzztime 200000x -timeout 5m ./internal/xmlsafe/
	$(GO) test -count=1 -run XXX -fuzz FuzzWorkerRequest -fuzztime 300x -timeout 5m ./internal/ingest/

samples: build
	rm -rf packages-sample && ./$(BIN) sample defects packages-sample

bench: build deps
	@command -v openssl >/dev/null 2>&1 && test -x /usr/bin/time || { \
	  echo "installing openssl and time (bench baselines)"; \
	  (apt-get update -qq && apt-get install -y -qq openssl time) >/dev/null 2>&1 || \
	  { echo "could not install openssl and time"; exit 2; }; }
	BIN=$(BIN) BENCH_DIR=$(BENCH_DIR) SCHEMA_DIR=schemas/official ./deploy/bench.sh

clean:
	rm -rf bin $(BENCH_DIR)
	find schemas/official -mindepth 1 ! -name README.md -delete
