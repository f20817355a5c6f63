"""Prints two result files (hostile.py --json) side by side: one row per case and socket mode."""

import json


def main(ours_path, theirs_path):
    with open(ours_path) as f:
        ours = json.load(f)
    with open(theirs_path) as f:
        theirs = json.load(f)
    index = {(r["case"], r["mode"]): r for r in theirs["results"]}
    a, b = ours["target"], theirs["target"]
    print(f"| case | mode | {a} | what {a} did | {b} | what {b} did / why it failed |")
    print("|---|---|---|---|---|---|")
    for r in ours["results"]:
        t = index.get((r["case"], r["mode"]))
        mark = f" (pending {r['pending']})" if r.get("pending") else ""
        ours_did = "; ".join(r["did"] + r["failures"])[:140]
        theirs_v = t["verdict"] if t else "-"
        theirs_did = "; ".join((t["failures"] + t["did"]) if t else [])[:140]
        print(f"| {r['case']}{mark} | {r['mode']} | {r['verdict']} | {ours_did} | {theirs_v} | {theirs_did} |")
    for name, res in ((a, ours), (b, theirs)):
        runs = res["results"]
        passed = sum(1 for r in runs if r["verdict"] == "pass")
        print(f"\n{name}: {passed} of {len(runs)} runs pass, {res['seconds']} s")
    return 0
