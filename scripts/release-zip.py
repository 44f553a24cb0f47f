#!/usr/bin/env python3
"""Writes a reproducible, flat zip for a Terraform provider release.

usage: release-zip.py OUT.zip EPOCH BINARY=NAME [FILE=NAME ...]

Same inputs give the same bytes: entries in the order given, a fixed
timestamp (EPOCH, clamped to what zip can store), Unix permissions stored
explicitly (0755 for the first entry, the provider binary, which Terraform
runs with the mode it finds in the zip; 0644 for the rest), no extra fields,
and one fixed compression level. Terraform's installer wants a flat zip of
regular files, so no directory entries are written.
"""

import sys
import time
import zipfile

ZIP_EPOCH_MIN = 315532800  # 1980-01-01T00:00:00Z, the earliest DOS date


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    out, epoch, entries = argv[1], int(argv[2]), argv[3:]
    stamp = time.gmtime(max(epoch, ZIP_EPOCH_MIN))[:6]
    with zipfile.ZipFile(out, "w") as zf:
        for index, entry in enumerate(entries):
            source, sep, name = entry.partition("=")
            if not sep or not name or "/" in name:
                sys.exit(f"release-zip.py: entry must be SOURCE=FLATNAME, got {entry!r}")
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, so the mode below is honoured
            mode = 0o755 if index == 0 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(source, "rb") as f:
                zf.writestr(info, f.read(), compresslevel=9)


if __name__ == "__main__":
    main(sys.argv)
