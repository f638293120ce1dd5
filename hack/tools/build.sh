#!/usr/bin/env bash
# Builds a Go tool the tests run (helm, actionlint) from the module pinned in hack/tools/<tool>/go.mod
# into $POSTURE_CACHE_DIR (default ~/.cache/posture-operator)/tools/<tool>-<version>/, once per
# machine, and prints the binary's path on the last line. Prints progress on stderr, because a cold
# helm build compiles several hundred packages.
set -euo pipefail
tool="${1:?usage: build.sh helm|actionlint}"
here="$(cd "$(dirname "$0")" && pwd)"
case "$tool" in
  helm) module=helm.sh/helm/v4; pkg=helm.sh/helm/v4/cmd/helm
        version_flag() { echo "-X helm.sh/helm/v4/internal/version.version=$1"; } ;;
  actionlint) module=github.com/rhysd/actionlint; pkg=github.com/rhysd/actionlint/cmd/actionlint
        version_flag() { echo "-X github.com/rhysd/actionlint.version=$1"; } ;;
  *) echo "build: unknown tool $tool (helm or actionlint)" >&2; exit 2 ;;
esac
version="$(sed -n "s#^require ${module} \(v[0-9.]*\)\$#\1#p; s#^\t${module} \(v[0-9.]*\)\$#\1#p" "$here/$tool/go.mod" | head -1)"
[ -n "$version" ] || { echo "build: cannot read the $module version from $here/$tool/go.mod" >&2; exit 1; }
out="${POSTURE_CACHE_DIR:-$HOME/.cache/posture-operator}/tools/${tool}-${version}"
if [ -x "$out/$tool" ]; then echo "$out/$tool"; exit 0; fi
mkdir -p "$out"
start=$SECONDS
echo "build: $tool $version from $pkg (first run on this machine; takes minutes)" >&2
progress() {
  local n=0 line
  while IFS= read -r line; do
    case "$line" in
      "go: downloading"*) ;;
      "#"*|*.go:*|"go: "*) echo "$line" >&2 ;;
      *) n=$((n + 1)); if (( n % 100 == 0 )); then echo "build: ${tool}: ${n} packages compiled ($((SECONDS - start))s)" >&2; fi ;;
    esac
  done
}
# Build into a temp name and rename, so an interrupted build never leaves a broken cached binary.
( cd "$here/$tool" && CGO_ENABLED=0 go build -mod=readonly -trimpath -v -ldflags "-s -w $(version_flag "$version")" -o "$out/.$tool.tmp" "$pkg" ) 2>&1 | progress
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build: $tool failed" >&2; exit 1; }
mv "$out/.$tool.tmp" "$out/$tool"
echo "build: $tool done ($((SECONDS - start))s)" >&2
echo "$out/$tool"
