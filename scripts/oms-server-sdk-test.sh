#!/usr/bin/env bash
# Runs the official-Python-SDK interoperability test against oms-local-server.
# Suitable for .ci/run: installs the SDK into .cache/venv if needed, builds the binary,
# and exits non-zero on any failure. The test prints "N passed, N failed".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="$(bash scripts/py-venv.sh | tail -n 1)"
cargo build --quiet -p oms-local-server --bin oms-local-server
OMS_LOCAL_SERVER_BIN="$root/target/debug/oms-local-server" "$py" tests/oms_server_sdk.py
