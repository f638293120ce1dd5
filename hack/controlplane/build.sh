#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from their Go modules into
# $POSTURE_CACHE_DIR (default ~/.cache/posture-operator)/<kubernetes version>/, once per machine.
# Prints progress, because a cold build takes several minutes on two cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kube_version="$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p; s/^\tk8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/kube/go.mod" | head -1)"
etcd_version="$(sed -n 's/^require go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\)$/\1/p; s/^\tgo.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\)$/\1/p' "$here/etcd/go.mod" | head -1)"
[ -n "$kube_version" ] && [ -n "$etcd_version" ] || { echo "build: cannot read versions from go.mod" >&2; exit 1; }
out="${POSTURE_CACHE_DIR:-$HOME/.cache/posture-operator}/${kube_version}-etcd${etcd_version}"
mkdir -p "$out"

start=$SECONDS
# go build -v names each package as it compiles it; printing every 100th keeps the log readable.
progress() {
  local name="$1" n=0 line
  while IFS= read -r line; do
    case "$line" in
      # Compiler output only: "# pkg" headers and file.go:line:col diagnostics. Package names such as
      # k8s.io/apimachinery/pkg/api/errors are progress, not errors.
      "go: downloading"*) ;;
      "#"*|*.go:*|"go: "*) echo "$line" ;;
      *) n=$((n + 1)); if (( n % 100 == 0 )); then echo "build: ${name}: ${n} packages compiled ($((SECONDS - start))s)"; fi ;;
    esac
  done
}

build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  if [ -x "$out/$name" ]; then echo "build: $name cached at $out/$name"; return; fi
  echo "build: $name from $pkg (first run on this machine; takes minutes)"
  # Build into a temp name and rename, so an interrupted build never leaves a broken cached binary.
  ( cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -v -ldflags "$ldflags" -o "$out/.$name.tmp" "$pkg" ) 2>&1 | progress "$name"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build: $name failed" >&2; exit 1; }
  mv "$out/.$name.tmp" "$out/$name"
  echo "build: $name done ($((SECONDS - start))s)"
}

minor="${kube_version#v1.}"; minor="${minor%%.*}"
stamp_kube="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp_kube+=" -X ${pkg}.gitVersion=${kube_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  stamp_kube+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done
build etcd "$here/etcd" go.etcd.io/etcd/server/v3 "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${etcd_version}"
build kube-apiserver "$here/kube" k8s.io/kubernetes/cmd/kube-apiserver "$stamp_kube"
build kube-controller-manager "$here/kube" k8s.io/kubernetes/cmd/kube-controller-manager "$stamp_kube"
echo "$out"
