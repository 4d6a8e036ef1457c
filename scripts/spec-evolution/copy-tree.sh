#!/usr/bin/env bash
# copy-tree.sh DEST: this working tree as it is (tracked files and untracked ones not
# ignored), without target/, into DEST (emptied first), every file with a fresh mtime.
set -euo pipefail
dest=$1
cd "$(dirname "$0")/../.."
rm -rf "$dest"
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard |
    python3 -c '
import os, shutil, sys
dest = sys.argv[1]
for path in sys.stdin.buffer.read().split(b"\0"):
    path = path.decode()
    if path and os.path.isfile(path):
        os.makedirs(os.path.join(dest, os.path.dirname(path)), exist_ok=True)
        shutil.copy(path, os.path.join(dest, path))
' "$dest"
