"""Reference for DVC 3.x folder hashes (".dir" md5), independent of MLOps.Core.

Per-file MD5s come from coreutils md5sum; the listing is serialised as dvc-data's
Tree.as_bytes() does: json.dumps([{"md5": ..., "relpath": ...}, ...] sorted by relpath,
sort_keys=True), and the folder hash is the MD5 of those bytes plus ".dir".

Usage: python3 dir_md5.py FOLDER  ->  prints "<md5>.dir <size> <nfiles>"
"""
import hashlib
import json
import os
import subprocess
import sys

root = sys.argv[1]
entries, size = [], 0
for folder, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if d not in (".git", ".hg", ".dvc")]
    for name in files:
        path = os.path.join(folder, name)
        out = subprocess.run(["md5sum", "--", path], capture_output=True, check=True).stdout
        md5 = out.split()[0].decode().lstrip("\\")  # md5sum prefixes "\\" when it escapes the name
        entries.append({"md5": md5, "relpath": os.path.relpath(path, root).replace(os.sep, "/")})
        size += os.path.getsize(path)
entries.sort(key=lambda e: e["relpath"])
listing = json.dumps(entries, sort_keys=True).encode("utf-8")
print(hashlib.md5(listing).hexdigest() + ".dir", size, len(entries))
