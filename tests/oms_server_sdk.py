#!/usr/bin/env python3
"""Interoperability check: the official Huawei Cloud Python SDK against oms-local-server.

Proves the local server's signature verification agrees with the SDK's signer, that its
error bodies parse into the SDK's exception fields, and that the SDK's ShowSyncTask,
ListSyncTasks (limit/offset/status) and ListSyncTaskStatistic calls decode its answers. Plain script (no pytest needed):

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
from huaweicloudsdkoms.v2 import (  # noqa: E402
    ListSyncTaskStatisticRequest,
    ListSyncTasksRequest,
    OmsClient,
    ShowSyncTaskRequest,
)

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
# The default server also serves this many generated tasks (--generated-tasks), after
# the five samples, so the list API has three pages of 100.
GENERATED = 250
TOTAL = 5 + GENERATED
STOPPED_TOTAL = 1 + 83  # the Tencent sample and every third generated task
HOUR_MS = 3600 * 1000


def generated_id(i):
    return "9e9e0000-0000-4000-8000-%012x" % i


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


def list_tasks(c, **kwargs):
    return c.list_sync_tasks(ListSyncTasksRequest(**kwargs))


def test_list_default_page(srv, _tok):
    r = list_tasks(client(srv.url))
    assert r.count == TOTAL, r.count
    assert len(r.tasks) == 10
    assert r.tasks[0].sync_task_id == SEED_ID
    assert r.tasks[0].status == "SYNCHRONIZING" and r.tasks[0].create_time == 1700639560751
    assert r.tasks[0].source_cdn is None
    assert r.tasks[2].sync_task_id == INT64_ID and r.tasks[2].create_time == 2**63 - 1
    assert r.tasks[3].description.startswith("同步任务 — émigré"), r.tasks[3].description


def test_list_pages_with_limit_and_offset(srv, _tok):
    c = client(srv.url)
    seen = []
    for offset, want in ((0, 100), (100, 100), (200, TOTAL - 200), (300, 0)):
        r = list_tasks(c, limit=100, offset=offset)
        assert r.count == TOTAL, (offset, r.count)
        assert len(r.tasks) == want, (offset, len(r.tasks))
        seen.extend(t.sync_task_id for t in r.tasks)
    assert len(set(seen)) == TOTAL
    assert seen[5:] == [generated_id(i) for i in range(GENERATED)]
    cdn = [t for t in list_tasks(c, limit=3, offset=5).tasks if t.source_cdn is not None]
    assert [t.sync_task_id for t in cdn] == [generated_id(1)]
    assert cdn[0].source_cdn.protocol == "https" and cdn[0].source_cdn.authentication_type == "NONE"
    assert cdn[0].source_cdn.domain


def test_list_status_filter(srv, _tok):
    c = client(srv.url)
    r = list_tasks(c, limit=100, status="STOPPED")
    assert r.count == STOPPED_TOTAL and len(r.tasks) == STOPPED_TOTAL
    assert all(t.status == "STOPPED" for t in r.tasks)
    assert r.tasks[0].sync_task_id == TENCENT_ID and r.tasks[0].app_id == "1250000000"
    r = list_tasks(c, limit=1, offset=1, status="SYNCHRONIZING")
    assert r.count == 3 + 167 and [t.sync_task_id for t in r.tasks] == [INT64_ID]


def test_list_invalid_parameters_are_400(srv, _tok):
    c = client(srv.url)
    for kwargs in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"status": "RUNNING"}):
        expect_client_error(lambda: list_tasks(c, **kwargs), 400, "OMS.0003")


def statistics(c, task_id, data_type, start, end):
    return c.list_sync_task_statistic(ListSyncTaskStatisticRequest(
        sync_task_id=task_id, data_type=data_type, start_time=start, end_time=end))


def test_statistics_five_minutes_and_hourly(srv, _tok):
    c = client(srv.url)
    start = QUERY_TIME - QUERY_TIME % (5 * 60 * 1000)
    r = statistics(c, SEED_ID, "REQUEST,SUCCESS,FAILURE,SKIP,SIZE", start, start + HOUR_MS)
    assert r.sync_task_id == SEED_ID
    assert r.statistic_time_type == "FIVE_MINUTES"
    assert [d.data_type for d in r.statistic_datas] == ["REQUEST", "SUCCESS", "FAILURE", "SKIP", "SIZE"]
    by_type = {d.data_type: d.data for d in r.statistic_datas}
    assert len(by_type["REQUEST"]) == 13
    for i, point in enumerate(by_type["REQUEST"]):
        assert point.time_stamp == start + i * 5 * 60 * 1000
        parts = [by_type[t][i].statistic_num for t in ("SUCCESS", "FAILURE", "SKIP")]
        assert point.statistic_num == sum(parts), (point.statistic_num, parts)
    r = statistics(c, INT64_ID, "SIZE", start, start + 3 * 24 * HOUR_MS)
    assert r.statistic_time_type == "ONE_HOUR"
    assert [d.data_type for d in r.statistic_datas] == ["SIZE"]
    sizes = [p.statistic_num for p in r.statistic_datas[0].data]
    assert len(sizes) == 72 and all(2**63 - 2000 < n <= 2**63 - 1 for n in sizes), sizes[:3]


def test_statistics_errors(srv, _tok):
    c = client(srv.url)
    expect_client_error(lambda: statistics(c, "no-such-task", "SIZE", 0, HOUR_MS), 404, "OMS.0054")
    expect_client_error(lambda: statistics(c, SEED_ID, "SIZE", HOUR_MS, 0), 400, "OMS.0003")
    expect_client_error(lambda: statistics(c, SEED_ID, "BYTES", 0, HOUR_MS), 400, "OMS.0003")
    expect_client_error(lambda: statistics(client(srv.url, sk="wrong"), SEED_ID, "SIZE", 0, HOUR_MS),
                        401, "APIGW.0301")


def test_log_has_no_credentials(srv, tok):
    for log in (srv.log(), tok.log()):
        assert "GET /v2/%s/sync-tasks/%s -> 200" % (PROJECT_ID, SEED_ID) in log, log
        for secret in (SK, SECURITY_TOKEN, "SDK-HMAC-SHA256"):
            assert secret not in log
    assert "GET /v2/%s/sync-tasks -> 200" % PROJECT_ID in srv.log()
    assert "GET /v2/%s/sync-tasks/%s/statistics -> 200" % (PROJECT_ID, SEED_ID) in srv.log()


TESTS = [
    test_success_matches_seed,
    test_int64_unicode_and_tencent_tasks,
    test_wrong_secret_key_is_401,
    test_unknown_task_is_404,
    test_hostile_task_id_stays_one_segment,
    test_missing_query_time_is_400,
    test_security_token_accepted,
    test_security_token_required_and_checked,
    test_list_default_page,
    test_list_pages_with_limit_and_offset,
    test_list_status_filter,
    test_list_invalid_parameters_are_400,
    test_statistics_five_minutes_and_hourly,
    test_statistics_errors,
    test_log_has_no_credentials,
]


def main():
    srv = Server("--generated-tasks", str(GENERATED))
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
