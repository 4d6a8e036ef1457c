#!/usr/bin/env python3
"""The agreement table of judges.sh: per edit, the xtask's verdicts beside Optic's (wire:
breaking or not) and cargo-semver-checks' (Rust: major or not). Every disagreement must be
in known-disagreements.txt with its reason, and every line there must still disagree.

    agreement.py VERDICTS.tsv KNOWN.txt

VERDICTS.tsv: edit, the xtask's JSON report file, Optic's exit code, cargo-semver-checks'
exit code (each 0: no break, 1: a break), or `unbuilt` when the client generated from the
edit does not build: cargo-semver-checks then has nothing to compare. That is a verdict
only for an edit listed with the judge `build` (the hand-written client needs what the
edit removes) and judged major by the xtask; any other build failure fails the table.
"""

import json
import sys


def main(verdicts_path, known_path):
    known = {}
    with open(known_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            edit, judge, reason = (part.strip() for part in line.split("\t", 2))
            if judge not in ("optic", "semver-checks", "build") or not reason:
                sys.exit(f"{known_path}:{number}: want `edit<TAB>optic|semver-checks|build<TAB>reason`")
            known[(edit, judge)] = (reason, number)

    rows, unexplained, agreeing = [], [], set()
    with open(verdicts_path, encoding="utf-8") as f:
        for line in f:
            edit, report_path, optic, semver = line.rstrip("\n").split("\t")
            with open(report_path, encoding="utf-8") as r:
                changes = json.load(r)["changes"]
            ours_wire = "breaking" if any(c["wire"] == "breaking" for c in changes) else "compatible"
            order = ["patch", "minor", "major"]
            ours_rust = max((c["rust"] for c in changes), key=order.index, default="none")
            theirs_wire = "breaking" if optic == "1" else "compatible"
            theirs_rust = {"1": "major", "unbuilt": "did not build"}.get(semver, "not major")
            cells = []
            for judge, agrees in (
                ("optic", (ours_wire == "breaking") == (theirs_wire == "breaking")),
                ("semver-checks", (ours_rust == "major") == (theirs_rust == "major")),
            ):
                if judge == "semver-checks" and semver == "unbuilt":
                    if (edit, "build") in known and ours_rust == "major":
                        cells.append(f"did not build (line {known[(edit, 'build')][1]})")
                    else:
                        cells.append("DID NOT BUILD")
                        unexplained.append((edit, "build"))
                    continue
                if judge == "semver-checks":
                    # A listed build failure that did not happen.
                    agreeing.add((edit, "build"))
                if agrees:
                    agreeing.add((edit, judge))
                    cells.append("agree")
                elif (edit, judge) in known:
                    cells.append(f"known (line {known[(edit, judge)][1]})")
                else:
                    cells.append("DISAGREE")
                    unexplained.append((edit, judge))
            rules = ", ".join(sorted({c["rule"] for c in changes})) or "(no change)"
            rows.append((edit, ours_wire, theirs_wire, cells[0], ours_rust, theirs_rust, cells[1], rules))

    header = ("edit", "xtask wire", "Optic", "", "xtask Rust", "semver-checks", "", "rules")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header) - 1)]
    for row in [header] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])

    # A listed disagreement whose judge now agrees (edits not run this time are not judged).
    stale = [key for key in known if key in agreeing]
    agreed = sum(cell == "agree" for r in rows for cell in (r[3], r[6]))
    print(f"\n{agreed} of {2 * len(rows)} verdicts agree; "
          f"{sum(c.startswith('known') for r in rows for c in (r[3], r[6]))} known disagreements")
    for edit, judge in unexplained:
        if judge == "build":
            print(f"unexplained: the client generated from {edit} did not build (its output is "
                  f"above); if the hand-written client needs what {edit} removes, add "
                  f"`{edit}\tbuild\t<reason>` to {known_path}", file=sys.stderr)
            continue
        print(f"unexplained: {judge} disagrees with the xtask on {edit}; "
              f"fix the rule or add `{edit}\t{judge}\t<reason>` to {known_path}", file=sys.stderr)
    for edit, judge in stale:
        what = "the client now builds" if judge == "build" else f"{judge} now agrees"
        print(f"stale: {known_path}:{known[(edit, judge)][1]}: {what} on {edit}; "
              "remove the line", file=sys.stderr)
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
