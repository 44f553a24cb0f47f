#!/usr/bin/env python3
"""Interoperability check: the official Huawei Cloud Python SDK against oms-local-server.

Proves the local server's signature verification agrees with the SDK's signer, and that
its error bodies parse into the SDK's exception fields. Plain script (no pytest needed):

    bash scripts/py-venv.sh                 # once; creates .cache/venv with the SDK
    cargo build -p oms-local-server --bin oms-local-server
    .cache/venv/bin/python tests/oms_server_sdk.py

OMS_LOCAL_SERVER_BIN overrides the server binary path. Prints "N passed, N failed".
"""

import os
import subprocess
import sys
import tempfile
import time
import traceback

# The server is on loopback; a proxy configured in the environment must not intercept it.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions import exceptions  # noqa: E402
from huaweicloudsdkoms.v2 import OmsClient, ShowSyncTaskRequest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT_ID = "0123456789abcdef0123456789abcdef"
AK = "PYSDKTESTACCESSKEY"
SK = "py-sdk-test-secret-key"
SECURITY_TOKEN = "py-sdk-temporary-security-token"
SEED_ID = "d18befdd-eb82-41f3-8019-bbb593d74a3e"
INT64_ID = "7fffffff-ffff-4fff-bfff-ffffffffffff"
UNICODE_ID = "4e2d6587-0000-4000-8000-0000756e6963"
TENCENT_ID = "5e1c3a7b-2f4d-4c6e-9a8b-0c1d2e3f4a5b"
QUERY_TIME = 1700639560751


def server_binary():
    explicit = os.environ.get("OMS_LOCAL_SERVER_BIN")
    if explicit:
        return explicit
    path = os.path.join(ROOT, "target", "debug", "oms-local-server")
    if not os.path.exists(path):
        subprocess.run(["cargo", "build", "-p", "oms-local-server", "--bin", "oms-local-server"], cwd=ROOT, check=True)
    return path


class Server:
    """oms-local-server as a subprocess; the URL comes from --url-file."""

    def __init__(self, *extra_args):
        self.tmp = tempfile.TemporaryDirectory()
        self.url_file = os.path.join(self.tmp.name, "url")
        self.stderr = open(os.path.join(self.tmp.name, "stderr"), "w+")
        env = dict(os.environ)
        for name in ("OMS_LOCAL_AUTH_TOKEN", "OMS_LOCAL_SECURITY_TOKEN"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [server_binary(), "--url-file", self.url_file, "--project-id", PROJECT_ID,
             "--access-key", AK, "--secret-key", SK, *extra_args],
            stdout=subprocess.DEVNULL, stderr=self.stderr, env=env,
        )
        deadline = time.monotonic() + 30
        while not os.path.exists(self.url_file):
            if self.proc.poll() is not None:
                raise RuntimeError("oms-local-server exited early: %s" % self.log())
            if time.monotonic() > deadline:
                raise RuntimeError("oms-local-server did not start")
            time.sleep(0.02)
        with open(self.url_file) as f:
            self.url = f.read().strip()

    def log(self):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self):
        self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.stderr.close()
        self.tmp.cleanup()
        return rc


def client(url, sk=SK, token=None):
    creds = BasicCredentials(AK, sk, PROJECT_ID)
    if token is not None:
        creds = creds.with_security_token(token)
    return OmsClient.new_builder().with_credentials(creds).with_endpoints([url]).build()


def show(c, task_id, query_time=QUERY_TIME):
    return c.show_sync_task(ShowSyncTaskRequest(sync_task_id=task_id, query_time=query_time))


def expect_client_error(fn, status, code):
    try:
        fn()
    except exceptions.ClientRequestException as e:
        assert e.status_code == status, (e.status_code, e.error_code, e.error_msg)
        assert e.error_code == code, (e.error_code, e.error_msg)
        assert e.request_id and len(e.request_id) == 32, e.request_id
        return e
    raise AssertionError("expected ClientRequestException %s %s" % (status, code))


def test_success_matches_seed(srv, _tok):
    r = show(client(srv.url), SEED_ID)
    assert r.sync_task_id == SEED_ID
    assert r.src_cloud_type == "HuaweiCloud"
    assert r.src_region == "cn-north-7"
    assert r.create_time == 1700639560751
    assert r.status == "SYNCHRONIZING"
    assert r.enable_metadata_migration is False
    assert r.app_id is None
    assert r.monthly_acceptance_request == 11
    assert r.monthly_failure_object == 11
    assert r.object_overwrite_mode == "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE"
    assert r.dst_storage_policy is None
    assert r.consistency_check == "size_last_modified"


def test_int64_unicode_and_tencent_tasks(srv, _tok):
    c = client(srv.url)
    r = show(c, INT64_ID, query_time=2**63 - 1)
    assert r.monthly_size == 2**63 - 1 and r.create_time == 2**63 - 1
    r = show(c, UNICODE_ID)
    assert r.description.startswith("同步任务 — émigré"), r.description
    r = show(c, TENCENT_ID)
    assert r.status == "STOPPED" and r.app_id == "1250000000"


def test_wrong_secret_key_is_401(srv, _tok):
    e = expect_client_error(lambda: show(client(srv.url, sk="wrong"), SEED_ID), 401, "APIGW.0301")
    assert "verify aksk signature fail" in e.error_msg, e.error_msg


def test_unknown_task_is_404(srv, _tok):
    expect_client_error(lambda: show(client(srv.url), "no-such-task"), 404, "OMS.0054")


def test_hostile_task_id_stays_one_segment(srv, _tok):
    # The SDK quotes path params with safe='', so "../x" goes out as "..%2Fx".
    expect_client_error(lambda: show(client(srv.url), "../x"), 404, "OMS.0054")


def test_missing_query_time_is_400(srv, _tok):
    c = client(srv.url)
    expect_client_error(lambda: c.show_sync_task(ShowSyncTaskRequest(sync_task_id=SEED_ID)),
                        400, "OMS.0003")


def test_security_token_accepted(srv, tok):
    r = show(client(tok.url, token=SECURITY_TOKEN), SEED_ID)
    assert r.sync_task_id == SEED_ID


def test_security_token_required_and_checked(srv, tok):
    expect_client_error(lambda: show(client(tok.url), SEED_ID), 401, "APIGW.0301")
    expect_client_error(lambda: show(client(tok.url, token="other"), SEED_ID), 401, "APIGW.0301")


def test_log_has_no_credentials(srv, tok):
    for log in (srv.log(), tok.log()):
        assert "GET /v2/%s/sync-tasks/%s -> 200" % (PROJECT_ID, SEED_ID) in log, log
        for secret in (SK, SECURITY_TOKEN, "SDK-HMAC-SHA256"):
            assert secret not in log


TESTS = [
    test_success_matches_seed,
    test_int64_unicode_and_tencent_tasks,
    test_wrong_secret_key_is_401,
    test_unknown_task_is_404,
    test_hostile_task_id_stays_one_segment,
    test_missing_query_time_is_400,
    test_security_token_accepted,
    test_security_token_required_and_checked,
    test_log_has_no_credentials,
]


def main():
    srv = Server()
    tok = Server("--security-token", SECURITY_TOKEN)
    passed = failed = 0
    try:
        for test in TESTS:
            try:
                test(srv, tok)
            except Exception:
                failed += 1
                print("FAIL %s" % test.__name__)
                traceback.print_exc()
            else:
                passed += 1
                print("ok   %s" % test.__name__)
    finally:
        for s in (srv, tok):
            rc = s.close()
            if rc != 0:
                failed += 1
                print("FAIL server exit code %s" % rc)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
