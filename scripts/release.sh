#!/usr/bin/env bash
# Builds a registry-grade release of the version in Cargo.toml into dist/
# (replacing what is there), the way HashiCorp's release tooling lays it out:
#
#   terraform-provider-oms_VERSION_OS_ARCH.zip     one per platform, reproducible
#   terraform-provider-oms_VERSION_manifest.json   from terraform-registry-manifest.json
#   terraform-provider-oms_VERSION_SHA256SUMS      every zip and the manifest
#   terraform-provider-oms_VERSION_SHA256SUMS.sig  binary detached GPG signature
#
# Platforms: linux_amd64, linux_arm64 (static musl), darwin_amd64,
# darwin_arm64, windows_amd64, all cross-built on Linux with cargo-zigbuild and
# zig from PyPI (pinned, installed into .cache/release-tools/ on first use;
# rustup adds the Rust targets).
#
# usage: scripts/release.sh [--skip-signing] [--package-only] [--out DIR]
#   GPG_FINGERPRINT   the RSA signing key (required unless --skip-signing);
#                     GPG_PASSPHRASE if that key has one
#   --skip-signing    local use only: no .sig, which no registry accepts
#   --package-only    reuse the binaries of the last build (repackaging)
#   --out DIR         write there instead of dist/
#   --platforms LIST  only these (comma-separated, e.g. linux_amd64): a partial
#                     build for local use, such as scripts/bench.sh measuring the
#                     shipped linux_amd64 binary; a registry needs all five
#   SOURCE_DATE_EPOCH timestamp stored in the zips (default: the HEAD commit's)
#   OMS_RELEASE_TOOLS where zig and cargo-zigbuild live (default .cache/release-tools)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

name=terraform-provider-oms
# os_arch -> Rust target. musl makes the Linux binaries static: they run on
# any Linux kernel, whatever its libc.
platforms=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64)
rust_target() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-musl ;;
    linux_arm64) echo aarch64-unknown-linux-musl ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    windows_amd64) echo x86_64-pc-windows-gnu ;;
    *) echo "unknown platform $1" >&2; return 1 ;;
  esac
}
# zig 0.16 broke `ar` for ring (cargo-zigbuild#433); these two are known good.
zig_tools="ziglang==0.15.2 cargo-zigbuild==0.24.1"

die() { echo "release: $*" >&2; exit 1; }

sign=1 build=1 out="$root/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-signing) sign=0 ;;
    --package-only) build=0 ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    --platforms)
      IFS=, read -r -a platforms <<<"$2"
      for p in "${platforms[@]}"; do rust_target "$p" >/dev/null || die "--platforms: unknown platform $p"; done
      shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done

case "$out" in
  / | "$root" | "$HOME") die "refusing to replace $out (--out must name a directory of its own)" ;;
esac

version="$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "'$name'"))')"
[ -n "$version" ] || die "no version for $name in Cargo.toml"
# A tag on this commit must be this version: registries key releases on it.
for tag in $(git tag --points-at HEAD 'v*' 2>/dev/null); do
  [ "$tag" = "v$version" ] || die "HEAD is tagged $tag but Cargo.toml says $version"
done

# Check the signing key before the long builds, not after.
if [ "$sign" = 1 ]; then
  [ -n "${GPG_FINGERPRINT:-}" ] || die "GPG_FINGERPRINT is not set. Set it to the fingerprint of the RSA key that
signs releases (gpg --list-secret-keys --with-colons), or pass --skip-signing for a local, unsigned build."
  keyline="$(gpg --batch --with-colons --list-secret-keys "$GPG_FINGERPRINT" 2>/dev/null | grep -m1 '^sec:')" ||
    die "no secret key for GPG_FINGERPRINT=$GPG_FINGERPRINT in ${GNUPGHOME:-~/.gnupg}"
  # Field 4 is the public-key algorithm: 1-3 are RSA. Terraform before 1.6
  # cannot verify EdDSA signatures, so other key types would lock users out.
  case "$(echo "$keyline" | cut -d: -f4)" in
    1|2|3) ;;
    *) die "GPG_FINGERPRINT=$GPG_FINGERPRINT is not an RSA key; Terraform < 1.6 only verifies RSA (and DSA) signatures" ;;
  esac
fi

start=$(date +%s)
if [ "$build" = 1 ]; then
  echo "==> release $version: toolchains"
  targets=()
  for p in "${platforms[@]}"; do targets+=("$(rust_target "$p")"); done
  installed="$(rustup target list --installed)"
  missing=()
  for t in "${targets[@]}"; do grep -qx "$t" <<<"$installed" || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] || rustup target add "${missing[@]}"

  tools="${OMS_RELEASE_TOOLS:-$root/.cache/release-tools}"
  venv="$tools/venv"
  if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$zig_tools" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --disable-pip-version-check -q $zig_tools
    echo "$zig_tools" >"$venv/.installed"
  fi
  export PATH="$venv/bin:$PATH" CARGO_ZIGBUILD_PYTHON_PATH="$venv/bin/python3"
  # The same sources give the same binaries wherever they are checked out.
  export RUSTFLAGS="--remap-path-prefix=$root=/build --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo"

  # One cargo run for every target keeps both job slots busy while one
  # target sits in its single-threaded LTO step.
  t0=$(date +%s)
  echo "==> building ${platforms[*]}"
  cargo zigbuild --quiet --release --locked "${targets[@]/#/--target=}" --bin "$name"
  echo "    built in $(( $(date +%s) - t0 )) s"
fi

echo "==> packaging into $out"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD 2>/dev/null || echo 0)}"
rm -rf "$out"
mkdir -p "$out"
stage="$(mktemp -d "${TMPDIR:-/tmp}/oms-release.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
for p in "${platforms[@]}"; do
  ext=""
  [ "${p%%_*}" = windows ] && ext=".exe"
  bin="target/$(rust_target "$p")/release/$name$ext"
  [ -f "$bin" ] || die "$bin is missing (run without --package-only)"
  python3 scripts/release-zip.py "$out/${name}_${version}_${p}.zip" "$epoch" \
    "$bin=${name}_v${version}${ext}" README.md=README.md CHANGELOG.md=CHANGELOG.md
done
cp terraform-registry-manifest.json "$out/${name}_${version}_manifest.json"

sums="${name}_${version}_SHA256SUMS"
# Text mode ("HASH  NAME"): Terraform matches the name field exactly.
(cd "$out" && sha256sum -- *.zip "${name}_${version}_manifest.json" >"$sums")

if [ "$sign" = 1 ]; then
  # Binary (not armored) detached signature, as registries require.
  if [ -n "${GPG_PASSPHRASE:-}" ]; then
    gpg --batch --yes --pinentry-mode loopback --passphrase-fd 0 --local-user "$GPG_FINGERPRINT" \
      --output "$out/$sums.sig" --detach-sign "$out/$sums" <<<"$GPG_PASSPHRASE"
  else
    gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$out/$sums.sig" --detach-sign "$out/$sums"
  fi
  gpg --batch --verify "$out/$sums.sig" "$out/$sums" 2>/dev/null || die "the new signature does not verify"
else
  echo "    --skip-signing: no $sums.sig; registries will refuse this release"
fi

echo "==> release $version in $(( $(date +%s) - start )) s:"
(cd "$out" && ls -l)
