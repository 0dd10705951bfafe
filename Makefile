# Herald's everyday commands. The first build of anything that imports Fyne compiles its C
# parts (about 7 minutes on 2 cores); later builds take seconds.

GO      ?= go
FYNE    ?= bin/fyne
FYNE_TOOLS_VERSION ?= v1.7.2
# -X stamps version (FyneApp.toml), commit and date into cli (herald version); -s -w strips.
LDFLAGS ?= $(shell scripts/package.sh ldflags)

.PHONY: build build-nogui run test test-app package deb tarball windows clean

## build: the desktop binary (with the headless commands) in bin/herald
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/herald .

## build-nogui: the headless binary (no cgo, no display) in bin/herald-nogui
build-nogui:
	CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/herald-nogui .

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

## package: the Debian package and the portable archive in bin/dist/ (scripts/package.sh:
## dpkg-deb, dpkg-shlibdeps, ImageMagick; seconds once bin/herald is built)
package: build
	scripts/package.sh all --bin bin/herald

## deb: only bin/dist/herald_VERSION_ARCH.deb
deb: build
	scripts/package.sh deb --bin bin/herald

## tarball: only bin/dist/herald-VERSION-linux-ARCH.tar.xz (install.sh inside)
tarball: build
	scripts/package.sh tar --bin bin/herald

## windows: bin/herald.exe cross-built with mingw-w64 (apt: gcc-mingw-w64-x86-64). NOT built
## in CI: a cold build of its own takes about 14 minutes, which the suite cannot afford, so
## the README does not offer it. It has neither an icon nor a version resource.
windows:
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -ldflags "-H=windowsgui $(LDFLAGS)" -o bin/herald.exe .

## bin/fyne: the fyne CLI (for a macOS build on a Mac: see README "From source"), built in a scratch module so it stays out of go.mod (the module
## proxy here refuses `go install ...@latest` and `go run ...@version`, not `go get -tool`)
bin/fyne:
	@mkdir -p bin
	d=$$(mktemp -d) && cd $$d && $(GO) mod init fynetool >/dev/null 2>&1 && \
	  $(GO) get -tool fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION) && \
	  $(GO) build -o $(CURDIR)/bin/fyne fyne.io/tools/cmd/fyne && rm -rf $$d

clean:
	rm -rf bin
