# Herald's everyday commands. The first build of anything that imports Fyne compiles its C
# parts (about 7 minutes on 2 cores); later builds take seconds.

GO      ?= go
FYNE    ?= bin/fyne
FYNE_TOOLS_VERSION ?= v1.7.2
VERSION ?= $(shell sed -n 's/^ *Version = "\(.*\)"/\1/p' FyneApp.toml)

.PHONY: build build-nogui run test test-app package windows clean

## build: the desktop binary (with the headless commands) in bin/herald
build:
	$(GO) build -ldflags "-X github.com/heraldhq/herald/cli.Version=$(VERSION)" -o bin/herald .

## build-nogui: the headless binary (no cgo, no display) in bin/herald-nogui
build-nogui:
	CGO_ENABLED=0 $(GO) build -tags nogui -o bin/herald-nogui .

## run: open the desktop app (hub on :7878 with the demo on first run)
run: build
	./bin/herald

## test: the whole suite, as CI runs it
test:
	scripts/test.sh

## test-app: only the desktop app's packages, all with -race (the panels also without cgo,
## as they need no display)
test-app:
	$(GO) test -race -count=1 ./app/model/ ./app/backend/ ./app/notify/ ./app/ui/
	LANG=en_US.UTF-8 CGO_ENABLED=0 $(GO) test -count=1 ./app/ui/
	LANG=en_US.UTF-8 $(GO) test -race -tags ci -count=1 ./app/

## package: Herald.tar.xz with the binary, a .desktop entry and the icon (fyne package; a
## cold build of its own, about 10 minutes). It bumps Build in FyneApp.toml.
package: $(FYNE)
	$(FYNE) package -os linux -release
	@ls -la Herald.tar.xz

## windows: bin/herald.exe cross-built with mingw-w64 (apt: gcc-mingw-w64-x86-64; a cold
## build of its own, about 15 minutes)
windows:
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -ldflags "-H=windowsgui -X github.com/heraldhq/herald/cli.Version=$(VERSION)" -o bin/herald.exe .

## bin/fyne: the fyne CLI, built in a scratch module so it stays out of go.mod (the module
## proxy here refuses `go install ...@latest` and `go run ...@version`, not `go get -tool`)
bin/fyne:
	@mkdir -p bin
	d=$$(mktemp -d) && cd $$d && $(GO) mod init fynetool >/dev/null 2>&1 && \
	  $(GO) get -tool fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION) && \
	  $(GO) build -o $(CURDIR)/bin/fyne fyne.io/tools/cmd/fyne && rm -rf $$d

clean:
	rm -rf bin Herald.tar.xz
