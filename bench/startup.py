#!/usr/bin/env python3
"""Start-up and memory benchmark: our provider against a Go provider, side by side.

Each round launches both binaries the way Terraform does (magic cookie,
PLUGIN_PROTOCOL_VERSIONS, a P-521 cA client certificate for AutoMTLS), in
alternating order so machine noise hits both alike, and records:
  - time from spawn to the handshake line on stdout (the provider is ready),
  - resident memory (VmRSS) 200 ms after the handshake.
It prints medians and the ratio baseline/ours (> 1 means ours is better).
No timing is asserted: on a noisy 2-core machine only ratios are meaningful.

usage: startup.py OURS_BINARY BASELINE_BINARY [ROUNDS]
"""
import datetime
import os
import statistics
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def client_cert_pem():
    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA512()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def launch(binary, env):
    start = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    line = p.stdout.readline()
    ready = time.perf_counter() - start
    if not line.startswith(b"1|"):
        p.kill()
        raise SystemExit(f"{binary}: no handshake line, got {line!r}")
    time.sleep(0.2)
    rss = rss_kib(p.pid)
    p.kill()
    p.wait()
    return ready * 1000.0, rss


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    ours, base = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    env = {"PATH": os.environ.get("PATH", ""), "TF_PLUGIN_MAGIC_COOKIE": COOKIE,
           "PLUGIN_PROTOCOL_VERSIONS": "5,6", "PLUGIN_MIN_PORT": "10000", "PLUGIN_MAX_PORT": "25000",
           "PLUGIN_CLIENT_CERT": client_cert_pem()}
    results = {ours: ([], []), base: ([], [])}
    for i in range(rounds):
        order = (ours, base) if i % 2 == 0 else (base, ours)
        for b in order:
            ms, rss = launch(b, env)
            results[b][0].append(ms)
            results[b][1].append(rss)
    o_ms, o_rss = statistics.median(results[ours][0]), statistics.median(results[ours][1])
    b_ms, b_rss = statistics.median(results[base][0]), statistics.median(results[base][1])
    o_size, b_size = os.path.getsize(ours), os.path.getsize(base)
    print(f"rounds: {rounds} (alternating order)")
    print(f"{'':28}{'ours':>12}{'baseline':>12}{'baseline/ours':>15}")
    print(f"{'time to handshake (ms)':28}{o_ms:12.1f}{b_ms:12.1f}{b_ms / o_ms:15.2f}")
    print(f"{'RSS after ready (KiB)':28}{o_rss:12.0f}{b_rss:12.0f}{b_rss / o_rss:15.2f}")
    print(f"{'binary size (KiB)':28}{o_size // 1024:12d}{b_size // 1024:12d}{b_size / o_size:15.2f}")


if __name__ == "__main__":
    main()
