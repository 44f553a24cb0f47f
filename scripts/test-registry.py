#!/usr/bin/env python3
"""A loopback Terraform provider registry serving a release directory, for
the install test (scripts/release-install-test.sh). Test use only.

usage: test-registry.py --dist DIR --namespace NS --signing-key KEY.asc
                        --tls-dir DIR --port-file FILE

It mints a CA and a server certificate (SAN localhost and 127.0.0.1) into
--tls-dir (ca.pem is what clients must trust, e.g. through SSL_CERT_FILE),
listens on an ephemeral port of 127.0.0.1, writes the port to --port-file
once it accepts connections, and serves the Provider Registry Protocol:

  /.well-known/terraform.json                        service discovery
  /v1/providers/NS/TYPE/versions                     versions and protocols
  /v1/providers/NS/TYPE/VERSION/download/OS/ARCH     the download answer
  /files/NAME                                        zips, SHA256SUMS, .sig

Everything comes from the release directory as scripts/release.sh writes
it: versions and platforms from the zip names, protocols from the
manifest, hashes from SHA256SUMS. Each request is logged on stderr.
"""

import argparse
import http.server
import json
import os
import re
import ssl
import subprocess
import sys
from pathlib import Path

ZIP = re.compile(r"^terraform-provider-(?P<type>[a-z0-9_-]+?)_(?P<version>[0-9][^_]*)_(?P<os>[a-z0-9]+)_(?P<arch>[a-z0-9]+)\.zip$")


class Release:
    """What one release directory offers, read once at start-up."""

    def __init__(self, dist: Path, signing_key: Path):
        self.dist = dist
        self.armor = signing_key.read_text()
        self.key_id = gpg_key_id(signing_key)
        self.packages = {}  # (type, version) -> {(os, arch): filename}
        for path in sorted(dist.iterdir()):
            m = ZIP.match(path.name)
            if m:
                key = (m["type"], m["version"])
                self.packages.setdefault(key, {})[(m["os"], m["arch"])] = path.name
        if not self.packages:
            sys.exit(f"test-registry: no provider zips in {dist}")
        self.shasums = {}  # filename -> sha256 hex, per SHA256SUMS file
        self.protocols = {}  # (type, version) -> ["5.0", "6.0"]
        for (ptype, version) in self.packages:
            prefix = f"terraform-provider-{ptype}_{version}"
            for line in (dist / f"{prefix}_SHA256SUMS").read_text().splitlines():
                digest, filename = line.split()
                self.shasums[filename] = digest
            manifest = json.loads((dist / f"{prefix}_manifest.json").read_text())
            self.protocols[(ptype, version)] = manifest["metadata"]["protocol_versions"]

    def versions(self, ptype):
        found = [
            {
                "version": version,
                "protocols": self.protocols[(t, version)],
                "platforms": [{"os": o, "arch": a} for (o, a) in sorted(platforms)],
            }
            for (t, version), platforms in sorted(self.packages.items())
            if t == ptype
        ]
        return {"versions": found} if found else None

    def download(self, ptype, version, os_, arch):
        filename = self.packages.get((ptype, version), {}).get((os_, arch))
        if filename is None:
            return None
        sums = f"terraform-provider-{ptype}_{version}_SHA256SUMS"
        return {
            "protocols": self.protocols[(ptype, version)],
            "os": os_,
            "arch": arch,
            "filename": filename,
            "download_url": f"/files/{filename}",
            "shasums_url": f"/files/{sums}",
            "shasums_signature_url": f"/files/{sums}.sig",
            "shasum": self.shasums[filename],
            "signing_keys": {"gpg_public_keys": [{"key_id": self.key_id, "ascii_armor": self.armor}]},
        }


def gpg_key_id(armored: Path) -> str:
    """The long key ID (last 16 hex digits of the primary key's fingerprint)."""
    out = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--import-options", "show-only", "--import", str(armored)],
        check=True, capture_output=True, text=True,
    ).stdout
    fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))
    return fpr[-16:].upper()


def mint_tls(tls_dir: Path):
    """A CA and a localhost server certificate, new for every run."""
    tls_dir.mkdir(parents=True, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tls_dir)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=oms install test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-copy_extensions", "copyall")
    return tls_dir / "server.pem", tls_dir / "server.key"


def handler_for(release: Release, namespace: str):
    providers = re.compile(rf"^/v1/providers/{re.escape(namespace)}/(?P<type>[^/]+)/(?P<rest>.+)$")
    download = re.compile(r"^(?P<version>[^/]+)/download/(?P<os>[^/]+)/(?P<arch>[^/]+)$")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            if path == "/.well-known/terraform.json":
                return self.json({"providers.v1": "/v1/providers/"})
            m = providers.match(path)
            if m:
                if m["rest"] == "versions":
                    return self.json(release.versions(m["type"]))
                d = download.match(m["rest"])
                if d:
                    return self.json(release.download(m["type"], d["version"], d["os"], d["arch"]))
            if path.startswith("/files/"):
                name = path[len("/files/"):]
                if "/" not in name and name and (release.dist / name).is_file():
                    return self.send(200, "application/octet-stream", (release.dist / name).read_bytes())
            return self.send(404, "application/json", b'{"errors":["not found"]}')

        def json(self, body):
            if body is None:
                return self.send(404, "application/json", b'{"errors":["not found"]}')
            return self.send(200, "application/json", json.dumps(body).encode())

        def send(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write("test-registry: %s\n" % (fmt % args))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", required=True, type=Path)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--signing-key", required=True, type=Path, help="ASCII-armored public key")
    ap.add_argument("--tls-dir", required=True, type=Path)
    ap.add_argument("--port-file", required=True, type=Path)
    args = ap.parse_args()

    release = Release(args.dist, args.signing_key)
    cert, key = mint_tls(args.tls_dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(release, args.namespace))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = args.port_file.with_suffix(".tmp")
    tmp.write_text(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
