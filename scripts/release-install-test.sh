#!/usr/bin/env bash
# The release install test (CI runs it after the README's two commands).
#
# Builds a signed release with scripts/release.sh (a throwaway RSA key in a
# temporary GNUPGHOME), checks the artifacts (names, SHA256SUMS, signature,
# reproducible zips, zip layout, binary formats, size), serves dist/ from a
# loopback provider registry over HTTPS (scripts/test-registry.py, with a CA
# minted for this run and trusted through SSL_CERT_FILE), and then, with real
# Terraform:
#   - `terraform init` on 1.15.5, 1.0.3 and 0.13.4 installs the release from
#     localhost:PORT/huawei/oms and reports it signed; a plan of the demo
#     example then works against the local OMS server with that binary;
#   - `terraform providers lock` for the five platforms records a hash for
#     each (it downloads and verifies every zip);
#   - a packed filesystem mirror made from dist/ installs on 1.15.5.
# It also runs the linux_arm64 binary under qemu user emulation up to its
# handshake line, and the Windows one under wine when wine works here (when
# it does not, it says so; the PE format is checked in any case).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_CLI_ARGS TF_DATA_DIR

started=$(date +%s)
step() { echo "== release install test: $*"; }
fail() { echo "release install test: FAIL: $*" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/oms-release-test.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  gpgconf --kill gpg-agent >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Debian packages the test needs; installed when missing (CI runs as root).
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q --no-install-recommends "$@" >"$work/apt.log" 2>&1 ||
    { $sudo apt-get update -q >>"$work/apt.log" 2>&1 &&
      $sudo apt-get install -y -q --no-install-recommends "$@" >>"$work/apt.log" 2>&1; }
}

step "tools"
command -v qemu-aarch64 >/dev/null || apt_install qemu-user || { cat "$work/apt.log" >&2; fail "cannot install qemu-user"; }
# Debian's wine64 package puts the loader in /usr/lib/wine (the `wine` package
# only adds a launcher script and the 32-bit half).
wine_loader() { command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; }; }
wine_loader >/dev/null || apt_install wine64 || echo "   (wine64 could not be installed; the Windows binary gets a format check only)"
eval "$(scripts/install-terraform.sh --print-env)"
declare -A terraform=([1.15.5]="$OMS_TERRAFORM_1_15_5" [1.0.3]="$OMS_TERRAFORM_1_0_3" [0.13.4]="$OMS_TERRAFORM_0_13_4")
cargo build --quiet --workspace --bins # the local OMS server for the plans

step "throwaway RSA signing key"
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "OMS release test <release-test@example.invalid>" rsa3072 sign never
GPG_FINGERPRINT="$(gpg --batch --with-colons --list-keys | awk -F: '/^fpr/ {print $10; exit}')"
export GPG_FINGERPRINT
key_id="${GPG_FINGERPRINT: -16}"
gpg --batch --armor --export "$GPG_FINGERPRINT" >"$work/signing-key.asc"

step "scripts/release.sh refuses to run without a key"
if GPG_FINGERPRINT="" scripts/release.sh --out "$work/nokey" >"$work/nokey.log" 2>&1; then
  fail "release.sh succeeded without GPG_FINGERPRINT"
fi
grep -q "GPG_FINGERPRINT is not set" "$work/nokey.log" || { cat "$work/nokey.log" >&2; fail "no clear message without GPG_FINGERPRINT"; }

step "scripts/release.sh"
t0=$(date +%s)
scripts/release.sh
release_seconds=$(( $(date +%s) - t0 ))
version="$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "terraform-provider-oms"))')"
name=terraform-provider-oms
platforms=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64)
sums="${name}_${version}_SHA256SUMS"

step "artifacts of $version"
expected="$( (for p in "${platforms[@]}"; do echo "${name}_${version}_${p}.zip"; done
  echo "${name}_${version}_manifest.json"; echo "$sums"; echo "$sums.sig") | sort)"
[ "$(ls dist | sort)" = "$expected" ] || fail "dist/ holds $(ls dist | tr '\n' ' '), expected $(echo "$expected" | tr '\n' ' ')"
(cd dist && sha256sum --quiet -c "$sums") || fail "SHA256SUMS does not match the files"
[ "$(wc -l <"dist/$sums")" = 6 ] || fail "SHA256SUMS must list the five zips and the manifest"
gpg --batch --verify "dist/$sums.sig" "dist/$sums" 2>"$work/verify.log" || { cat "$work/verify.log" >&2; fail "bad signature"; }
head -c 64 "dist/$sums.sig" | grep -q "BEGIN PGP" && fail "the signature is ASCII-armored; registries want it binary"
cmp -s terraform-registry-manifest.json "dist/${name}_${version}_manifest.json" || fail "manifest differs from terraform-registry-manifest.json"
python3 - "dist/${name}_${version}_manifest.json" <<'PY' || fail "the manifest must declare protocols 5.0 and 6.0"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["version"] == 1 and sorted(m["metadata"]["protocol_versions"]) == ["5.0", "6.0"], m
PY

step "zips are reproducible"
scripts/release.sh --package-only --skip-signing --out "$work/repack" >/dev/null
for f in "${platforms[@]/#/${name}_${version}_}"; do
  cmp "dist/$f.zip" "$work/repack/$f.zip" || fail "$f.zip differs when packed again from the same binaries"
done
cmp "dist/$sums" "$work/repack/$sums" || fail "SHA256SUMS differs when packed again"

step "zip layout, binary formats, size"
python3 - dist "$name" "$version" <<'PY' || fail "zip layout or binary format check failed"
import struct, sys, zipfile
dist, name, version = sys.argv[1:]
MAX_LINUX_AMD64 = 8_000_000
# platform -> (binary name, format check)
def elf(machine):
    def check(b):
        assert b[:4] == b"\x7fELF" and b[4] == 2, "not a 64-bit ELF"
        assert struct.unpack_from("<H", b, 18)[0] == machine, "wrong ELF machine"
        phoff, = struct.unpack_from("<Q", b, 32)
        phentsize, phnum = struct.unpack_from("<HH", b, 54)
        types = [struct.unpack_from("<I", b, phoff + i * phentsize)[0] for i in range(phnum)]
        assert 3 not in types, "has a PT_INTERP: not static"
        return f"static ELF, machine {machine:#x}"
    return check
def macho(cputype):
    def check(b):
        magic, cpu, _, _, ncmds = struct.unpack_from("<IiiII", b, 0)
        assert magic == 0xFEEDFACF and cpu == cputype, "not a 64-bit Mach-O of this CPU"
        off, libs = 32, []
        for _ in range(ncmds):
            cmd, size = struct.unpack_from("<II", b, off)
            if cmd in (0xC, 0x80000018, 0x8000001F):  # LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB
                name_off, = struct.unpack_from("<I", b, off + 8)
                libs.append(b[off + name_off:off + size].split(b"\0")[0].decode())
            off += size
        # No Apple framework (they would need the macOS SDK): only libSystem/libc++-style /usr/lib dylibs.
        assert all(l.startswith("/usr/lib/") for l in libs), f"links {libs}"
        return f"Mach-O cpu {cputype:#x}, links {', '.join(libs)}"
    return check
def pe(b):
    assert b[:2] == b"MZ", "no MZ header"
    pe_off, = struct.unpack_from("<I", b, 0x3C)
    assert b[pe_off:pe_off + 4] == b"PE\0\0", "no PE signature"
    machine, = struct.unpack_from("<H", b, pe_off + 4)
    magic, = struct.unpack_from("<H", b, pe_off + 24)
    assert machine == 0x8664 and magic == 0x20B, "not PE32+ x86-64"
    subsystem, = struct.unpack_from("<H", b, pe_off + 24 + 68)
    assert subsystem == 3, "not a console program"
    return "PE32+ x86-64 console"
checks = {
    "linux_amd64": elf(62), "linux_arm64": elf(183),
    "darwin_amd64": macho(0x01000007), "darwin_arm64": macho(0x0100000C),
    "windows_amd64": pe,
}
for platform, check in checks.items():
    exe = f"{name}_v{version}" + (".exe" if platform.startswith("windows") else "")
    z = zipfile.ZipFile(f"{dist}/{name}_{version}_{platform}.zip")
    infos = z.infolist()
    assert [i.filename for i in infos] == [exe, "README.md", "CHANGELOG.md"], [i.filename for i in infos]
    assert all(not i.is_dir() for i in infos)
    assert (infos[0].external_attr >> 16) & 0o777 == 0o755, "binary not stored as 0755"
    binary = z.read(exe)
    print(f"   {platform}: {len(binary)} bytes, {check(binary)}")
    if platform == "linux_amd64":
        assert len(binary) <= MAX_LINUX_AMD64, f"linux_amd64 binary is {len(binary)} bytes > {MAX_LINUX_AMD64}"
PY
for p in "${platforms[@]}"; do
  mkdir -p "$work/bin/$p"
  unzip -q "dist/${name}_${version}_$p.zip" -d "$work/bin/$p"
done
"$work/bin/linux_amd64/${name}_v$version" --version | grep -qx "$name $version (plugin protocols 6.10 and 5.10)" ||
  fail "linux_amd64 --version does not print $version"

# A client certificate like Terraform's (P-521), so the handshake includes TLS.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -keyout "$work/client.key" \
  -out "$work/client.pem" -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
# handshake LABEL NETWORK CMD...: starts CMD as Terraform would and checks
# its first stdout line is a go-plugin handshake for protocol 6.
handshake() {
  local label="$1" network="$2"
  shift 2
  PLUGIN_CLIENT_CERT="$(cat "$work/client.pem")" python3 - "$label" "$network" "$@" <<'PY'
import os, re, select, subprocess, sys, time
label, network, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
           PLUGIN_PROTOCOL_VERSIONS="5,6", PLUGIN_MIN_PORT="10000", PLUGIN_MAX_PORT="25000")
start = time.monotonic()
p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
try:
    ready, _, _ = select.select([p.stdout], [], [], 300)
    line = p.stdout.readline().decode().strip() if ready else ""
finally:
    p.kill()
    try:  # a helper process (wineserver) may hold the pipes for a while
        err = p.communicate(timeout=30)[1].decode(errors="replace")
    except subprocess.TimeoutExpired:
        err = "(stderr still held open by a helper process)"
pattern = rf"1\|6\|{network}\|[^|]+\|grpc\|[A-Za-z0-9+/=_-]+"
if not re.fullmatch(pattern, line):
    sys.exit(f"{label}: no handshake line (got {line!r}); stderr:\n{err[-2000:]}")
print(f"   {label}: handshake after {time.monotonic() - start:.2f} s: {line[:60]}...")
PY
}

step "linux_amd64 and linux_arm64 (qemu-aarch64) to the handshake line"
handshake linux_amd64 unix "$work/bin/linux_amd64/${name}_v$version" || fail "linux_amd64 handshake"
qemu-aarch64 "$work/bin/linux_arm64/${name}_v$version" --version | grep -qx "$name $version (plugin protocols 6.10 and 5.10)" ||
  fail "linux_arm64 --version under qemu"
handshake "linux_arm64 under qemu-aarch64" unix qemu-aarch64 "$work/bin/linux_arm64/${name}_v$version" || fail "linux_arm64 handshake under qemu"

step "windows_amd64 under wine"
exe="$work/bin/windows_amd64/${name}_v$version.exe"
export WINEPREFIX="$root/.cache/wine-prefix" WINEDEBUG=-all
if ! wine="$(wine_loader)"; then
  echo "   wine64 is not available here: the Windows binary was checked as a PE32+ x86-64 console program only"
elif ! wine_version="$(timeout 600 "$wine" "$exe" --version 2>"$work/wine.log" | tr -d '\r')"; then
  echo "   wine64 does not run the binary here ($(tail -n 3 "$work/wine.log" | tr '\n' ' ')):"
  echo "   the Windows binary was checked as a PE32+ x86-64 console program only"
else
  [ "$wine_version" = "$name $version (plugin protocols 6.10 and 5.10)" ] || fail "windows --version under wine printed $wine_version"
  echo "   --version under wine: $wine_version"
  handshake "windows_amd64 under wine64" tcp "$wine" "$exe" || fail "windows handshake under wine"
fi

step "loopback HTTPS provider registry"
python3 scripts/test-registry.py --dist dist --namespace huawei --signing-key "$work/signing-key.asc" \
  --tls-dir "$work/tls" --port-file "$work/registry.port" 2>"$work/registry.log" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$work/registry.port" ] && break; sleep 0.05; done
[ -s "$work/registry.port" ] || { cat "$work/registry.log" >&2; fail "the registry did not start"; }
host="localhost:$(cat "$work/registry.port")"
# Only our CA: nothing else may be reached anyway.
export SSL_CERT_FILE="$work/tls/ca.pem"
unset SSL_CERT_DIR
echo "   https://$host/ (CA $SSL_CERT_FILE)"

step "local OMS server"
target/debug/oms-local-server --url-file "$work/oms.url" >"$work/oms.out" 2>"$work/oms.log" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$work/oms.url" ] && break; sleep 0.05; done
[ -s "$work/oms.url" ] || { cat "$work/oms.log" >&2; fail "the local OMS server did not start"; }
# The local server's demo credentials (scripts/demo.sh); they work nowhere else.
export HW_REGION_NAME=cn-north-4 HW_PROJECT_ID=0123456789abcdef0123456789abcdef
export HW_ACCESS_KEY=OMSLOCALDEMOACCESSKEY HW_SECRET_KEY=oms-local-demo-secret-key-not-a-real-secret
TF_VAR_oms_endpoint="$(cat "$work/oms.url")"
export TF_VAR_oms_endpoint

# h1 hash (Terraform's dirhash) of each zip, to compare with lock files.
h1_of() {
  python3 - "$1" <<'PY'
import base64, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
s = "".join(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in sorted(i.filename for i in z.infolist()))
print("h1:" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode())
PY
}
declare -A h1
for p in "${platforms[@]}"; do h1[$p]="$(h1_of "dist/${name}_${version}_$p.zip")"; done

# config DIR SOURCE: the demo example with the provider at SOURCE, pinned to this version.
config() {
  mkdir -p "$1"
  sed "s|source = \"terraform.local/local/oms\"|source  = \"$2\"\n      version = \"$version\"|" examples/demo/main.tf >"$1/main.tf"
  grep -q "$2" "$1/main.tf" || fail "could not point the example at $2"
}

# check_task DIR CLICONFIG TERRAFORM: the demo's output holds the sample task
# as the local OMS server serves it (0.13.4's stdout lines carry "o:").
check_task() {
  tf_in "$1" "$2" "$3" output -no-color -json task 2>/dev/null | sed 's/^o://' | python3 -c '
import json, sys
task = json.load(sys.stdin)
assert task["status"] == "SYNCHRONIZING", task
assert task["route"] == "HuaweiCloud:oms-sdk-test-src -> oms-sdk-test-dst", task
print("   read the sample task through the installed provider: status", task["status"])'
}

# tf_in DIR CLICONFIG TERRAFORM ARGS...: runs Terraform in DIR (0.13 has no -chdir).
tf_in() { (cd "$1" && TF_CLI_CONFIG_FILE="$2" "$3" "${@:4}"); }

registry_cli="$work/registry.tfrc"
printf 'provider_installation {\n  direct {}\n}\n' >"$registry_cli"
for v in 1.15.5 1.0.3 0.13.4; do
  step "Terraform $v: init from the registry, then plan"
  dir="$work/tf-$v"
  config "$dir" "$host/huawei/oms"
  tf="${terraform[$v]}"
  tf_in "$dir" "$registry_cli" "$tf" init -no-color -input=false >"$dir/init.log" 2>&1 ||
    { cat "$dir/init.log" >&2; fail "terraform $v init"; }
  grep -q "Installed $host/huawei/oms v$version (self-signed, key ID $key_id)" "$dir/init.log" ||
    { cat "$dir/init.log" >&2; fail "terraform $v did not report the provider as signed by $key_id"; }
  grep -o "Installed $host/huawei/oms v$version (self-signed, key ID $key_id)" "$dir/init.log" | sed 's/^/   /'
  installed="$(find "$dir/.terraform" -type f -name "${name}_v$version")"
  [ -n "$installed" ] && cmp -s "$installed" "$work/bin/linux_amd64/${name}_v$version" ||
    fail "terraform $v did not install the released linux_amd64 binary"
  if [ "$v" != 0.13.4 ]; then
    lock="$dir/.terraform.lock.hcl"
    grep -q "\"${h1[linux_amd64]}\"" "$lock" || fail "terraform $v lock file lacks ${h1[linux_amd64]}"
    [ "$(grep -c '"zh:' "$lock")" = 6 ] || fail "terraform $v lock file should hold the 6 zh: hashes of SHA256SUMS"
  fi
  tf_in "$dir" "$registry_cli" "$tf" plan -no-color -input=false -out=demo.tfplan >"$dir/plan.log" 2>&1 ||
    { cat "$dir/plan.log" >&2; fail "terraform $v plan with the installed provider"; }
  tf_in "$dir" "$registry_cli" "$tf" apply -no-color -input=false demo.tfplan >"$dir/apply.log" 2>&1 ||
    { cat "$dir/apply.log" >&2; fail "terraform $v apply of the plan"; }
  check_task "$dir" "$registry_cli" "$tf" || fail "terraform $v: the plan did not read the sample task"
done

step "terraform providers lock for the five platforms (1.15.5)"
dir="$work/tf-1.15.5"
rm -f "$dir/.terraform.lock.hcl"
args=()
for p in "${platforms[@]}"; do args+=("-platform=$p"); done
tf_in "$dir" "$registry_cli" "${terraform[1.15.5]}" providers lock -no-color "${args[@]}" >"$dir/lock.log" 2>&1 ||
  { cat "$dir/lock.log" >&2; fail "terraform providers lock"; }
lock="$dir/.terraform.lock.hcl"
for p in "${platforms[@]}"; do
  grep -q "\"${h1[$p]}\"" "$lock" || { cat "$lock" >&2; fail "lock file lacks the $p hash ${h1[$p]}"; }
done
[ "$(grep -c '"h1:' "$lock")" = 5 ] || { cat "$lock" >&2; fail "lock file should hold exactly 5 h1: hashes"; }
[ "$(grep -c '"zh:' "$lock")" = 6 ] || { cat "$lock" >&2; fail "lock file should hold the 6 zh: hashes"; }
echo "   5 h1: hashes (one per platform, each equal to the zip's) and 6 zh: hashes"
for p in "${platforms[@]}"; do
  [ "$(grep -c "/files/${name}_${version}_$p.zip" "$work/registry.log")" -ge 1 ] || fail "the $p zip was never downloaded"
done

step "packed filesystem mirror from dist/ (1.15.5)"
# The README's steps for users without a registry.
mirror="$work/mirror"
mkdir -p "$mirror/terraform.local/huawei/oms"
cp dist/*.zip "$mirror/terraform.local/huawei/oms/"
cat >"$work/mirror.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["terraform.local/*/*"]
  }
}
CFG
dir="$work/tf-mirror"
config "$dir" "terraform.local/huawei/oms"
tf_in "$dir" "$work/mirror.tfrc" "${terraform[1.15.5]}" init -no-color -input=false >"$dir/init.log" 2>&1 ||
  { cat "$dir/init.log" >&2; fail "init from the filesystem mirror"; }
grep -q "Installed terraform.local/huawei/oms v$version (unauthenticated)" "$dir/init.log" ||
  { cat "$dir/init.log" >&2; fail "init from the mirror did not install $version"; }
grep -q "\"${h1[linux_amd64]}\"" "$dir/.terraform.lock.hcl" || fail "mirror lock file lacks ${h1[linux_amd64]}"
tf_in "$dir" "$work/mirror.tfrc" "${terraform[1.15.5]}" plan -no-color -input=false -out=demo.tfplan >"$dir/plan.log" 2>&1 ||
  { cat "$dir/plan.log" >&2; fail "plan with the provider from the mirror"; }
tf_in "$dir" "$work/mirror.tfrc" "${terraform[1.15.5]}" apply -no-color -input=false demo.tfplan >"$dir/apply.log" 2>&1 ||
  { cat "$dir/apply.log" >&2; fail "apply of the plan with the provider from the mirror"; }
check_task "$dir" "$work/mirror.tfrc" "${terraform[1.15.5]}" || fail "mirror: the plan did not read the sample task"
echo "   installed (unauthenticated, as filesystem mirrors are) and planned"

echo "== release install test: OK (release.sh ${release_seconds} s, whole test $(( $(date +%s) - started )) s)"
