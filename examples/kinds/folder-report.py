#!/usr/bin/env python3
"""folder-report: an example of an admin-defined Jobdesk kind.

Adds up the size and the number of files below each folder under ROOT, down
to DEPTH levels, and writes the result as CSV (or JSON). It talks to the
worker the way every admin-defined kind does:

  * stdout lines "PROGRESS <percent> <message>" update the job's progress;
  * one stdout line "RESULT <path>" names the result file (relative paths
    are taken from the working folder, which is JOBDESK_WORK_DIR unless the
    kind's config says otherwise);
  * stderr is for people: the last 64 KiB of it are kept with the attempt;
  * the exit code says whether the attempt worked (0) or failed.

A cancel or a timeout sends SIGTERM to the whole process group, then SIGKILL
two seconds later, so the script stops cleanly on SIGTERM.

Usage: folder-report.py --root DIR [--depth N] [--format csv|json]
"""

import argparse
import csv
import json
import os
import signal
import sys
import time


def progress(percent, message):
    # One line at a time, flushed: the worker reads the lines as they come.
    print(f"PROGRESS {percent:.1f} {message}", flush=True)


def main():
    parser = argparse.ArgumentParser(description="Sizes of the folders under a root.")
    parser.add_argument("--root", required=True)
    parser.add_argument("--depth", type=int, default=1)
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = os.path.realpath(args.root)
    if not os.path.isdir(root):
        print(f"folder-report: {args.root} is not a folder", file=sys.stderr)
        return 2

    # The folders to report on: ROOT itself and its subfolders down to DEPTH.
    folders = [root]
    frontier = [root]
    for _ in range(max(0, args.depth)):
        deeper = []
        for folder in frontier:
            try:
                with os.scandir(folder) as entries:
                    deeper += [e.path for e in entries if e.is_dir(follow_symlinks=False)]
            except OSError as error:
                print(f"folder-report: skipping {folder}: {error}", file=sys.stderr)
        folders += deeper
        frontier = deeper

    rows = []
    last_report = 0.0
    for index, folder in enumerate(sorted(folders)):
        size = files = 0
        for dirpath, _, filenames in os.walk(folder, onerror=lambda e: print(
                f"folder-report: {e}", file=sys.stderr)):
            for name in filenames:
                try:
                    size += os.lstat(os.path.join(dirpath, name)).st_size
                    files += 1
                except OSError:
                    pass
        rows.append({"folder": os.path.relpath(folder, root), "files": files, "bytes": size})
        now = time.monotonic()
        if now - last_report >= 0.2:  # the worker throttles anyway; no need to flood it
            progress(100.0 * (index + 1) / len(folders), f"{index + 1} of {len(folders)} folders")
            last_report = now

    rows.sort(key=lambda r: r["bytes"], reverse=True)
    out_dir = os.environ.get("JOBDESK_WORK_DIR", ".")
    out = os.path.join(out_dir, f"folder-report.{args.format}")
    with open(out, "w", newline="", encoding="utf-8") as f:
        if args.format == "json":
            json.dump({"root": root, "folders": rows}, f, indent=2)
        else:
            writer = csv.DictWriter(f, fieldnames=["folder", "files", "bytes"])
            writer.writeheader()
            writer.writerows(rows)
    print(f"RESULT {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
