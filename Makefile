# Herald's everyday commands. The first build of anything that imports Fyne compiles its C
# parts (about 7 minutes on 2 cores); later builds take seconds.

GO      ?= go
FYNE    ?= $(GO) run fyne.io/tools/cmd/fyne@v1.7.2
VERSION ?= $(shell sed -n 's/^ *Version = "\(.*\)"/\1/p' FyneApp.toml)

.PHONY: build build-nogui run test test-app package clean

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

## test-app: only the desktop app's packages (model and backend with -race, panels on Fyne's test driver)
test-app:
	$(GO) test -race -count=1 ./app/model/ ./app/backend/ ./app/notify/
	LANG=en_US.UTF-8 CGO_ENABLED=0 $(GO) test -count=1 ./app/ui/

## package: Herald.tar.xz with the binary, a .desktop entry and the icon (fyne package; a
## cold build of its own, about 10 minutes). It bumps Build in FyneApp.toml.
package:
	$(FYNE) package -os linux -release
	@ls -la Herald.tar.xz

clean:
	rm -rf bin Herald.tar.xz
