#!/usr/bin/env bash
# Creates (or reuses) .cache/venv with the official Huawei Cloud Python SDK, so the
# SDK interoperability test (tests/oms_server_sdk.py) can run on a fresh machine and in CI.
# Idempotent: a venv that already imports both packages is left untouched.
# Prints the venv's python path on the last line of stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OMS_PY_VENV:-$root/.cache/venv}"
py="$venv/bin/python"

if [ -x "$py" ] && "$py" -c 'import huaweicloudsdkcore, huaweicloudsdkoms' >/dev/null 2>&1; then
  echo "$py"
  exit 0
fi

mkdir -p "$(dirname "$venv")"
if [ ! -x "$py" ]; then
  python3 -m venv "$venv"
fi
"$py" -m pip install --quiet --disable-pip-version-check huaweicloudsdkcore huaweicloudsdkoms >&2
"$py" -c 'import huaweicloudsdkcore, huaweicloudsdkoms' >&2
echo "$py"
