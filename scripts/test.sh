#!/usr/bin/env bash
# The project's test command (README "Run the tests"; CI runs exactly this).
# Formatting, lints, unit/property tests, gRPC harness tests, end-to-end tests
# with real Terraform CLIs (installed on demand by scripts/install-terraform.sh),
# the docs check, and the official Python SDK against our local OMS server.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1

echo "== terraform CLIs"
eval "$(scripts/install-terraform.sh --print-env)"

echo "== terraform fmt -check examples"
TF_CLI_CONFIG_FILE=/dev/null "$OMS_TERRAFORM_1_15_5" fmt -check -recursive -diff examples

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo build --quiet --workspace --bins
cargo test --workspace --all-targets 2>&1 | tee "${TMPDIR:-/tmp}/oms-cargo-test.log"

echo "== official Python SDK against the local OMS server"
bash scripts/oms-server-sdk-test.sh
