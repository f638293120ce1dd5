#!/usr/bin/env bash
# Makes sure the system tools the test suite runs are present: Go (builds the control plane),
# openssl (its PKI), dumb-init (the image's PID 1, exercised by the image test), promtool (alert rule
# tests), lua5.1 (the Argo CD health check) and kubectl (renders config/ with kustomize). Installs
# missing Debian packages when it can (root with apt-get); otherwise names the command to run.
set -euo pipefail
declare -A package_for=([openssl]=openssl [dumb-init]=dumb-init [promtool]=prometheus [lua5.1]=lua5.1 [kubectl]=kubectl)
missing=()
for tool in "${!package_for[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_for[$tool]}")
done
command -v go >/dev/null 2>&1 || { echo "ensure-tools: Go is required to build the control plane (https://go.dev/doc/install, or apt-get install golang)" >&2; exit 1; }
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "ensure-tools: installed ${missing[*]}"
else
  echo "ensure-tools: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
