#!/usr/bin/env python3
"""Validate the held-out safety evaluation set (stdlib only; uses langdetect if installed)."""
import json, re, sys, unicodedata, collections, os
HERE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))  # another set: its folder
FILES = ["harmful.jsonl", "benign.jsonl", "attacks.jsonl"]
FIELDS = {"text", "language", "label", "category", "severity", "kind"}
LANGS = ["en", "es", "fr", "pt", "it", "nl", "de", "ar", "he"]
CATS = {"violence", "self_harm", "hate", "sexual"}
errors, rows = [], []
for fn in FILES:
    with open(os.path.join(HERE, fn), encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except Exception as e:
                errors.append(f"{fn}:{i} invalid JSON: {e}"); continue
            if set(r) != FIELDS:
                errors.append(f"{fn}:{i} fields {sorted(r)}")
            if not isinstance(r.get("text"), str) or not r["text"].strip():
                errors.append(f"{fn}:{i} empty text")
            if r.get("language") not in LANGS: errors.append(f"{fn}:{i} language {r.get('language')}")
            lab, cat, sev, kind = r.get("label"), r.get("category"), r.get("severity"), r.get("kind")
            if lab == "harmful" and sev not in {"low", "medium", "high"}: errors.append(f"{fn}:{i} severity {sev} for harmful")
            if lab == "benign" and sev != "safe": errors.append(f"{fn}:{i} severity {sev} for benign")
            if lab not in {"harmful", "benign"}: errors.append(f"{fn}:{i} label {lab}")
            if fn == "harmful.jsonl" and (lab != "harmful" or cat not in CATS): errors.append(f"{fn}:{i} bad label/category")
            if fn == "benign.jsonl" and (lab != "benign" or cat not in CATS): errors.append(f"{fn}:{i} bad label/category")
            if fn == "attacks.jsonl":
                if cat != "jailbreak" or kind not in {"direct", "indirect", "benign"}: errors.append(f"{fn}:{i} bad category/kind")
                if (kind == "benign") != (lab == "benign"): errors.append(f"{fn}:{i} kind/label mismatch")
            t = r.get("text", "")
            ar = bool(re.search(r"[\u0600-\u06FF]", t)); he = bool(re.search(r"[\u0590-\u05FF]", t))
            L = r.get("language")
            if L == "ar" and not ar: errors.append(f"{fn}:{i} ar without Arabic script")
            if L == "he" and not he: errors.append(f"{fn}:{i} he without Hebrew script")
            if L not in ("ar", "he") and (ar or he): errors.append(f"{fn}:{i} {L} with RTL script")
            if fn != "attacks.jsonl":
                n = len(t.split())
                if not 3 <= n <= 60: errors.append(f"{fn}:{i} {n} words")
            rows.append((fn, i, r))

def norm(t):
    t = unicodedata.normalize("NFKC", t).casefold()
    return re.sub(r"[\W_]+", " ", t).strip()
seen = {}
for fn, i, r in rows:
    for key in (r["text"], norm(r["text"])):
        if key in seen: errors.append(f"duplicate: {fn}:{i} == {seen[key]}")
    seen[r["text"]] = seen[norm(r["text"])] = f"{fn}:{i}"

try:  # optional language-ID sanity check (short texts are noisy, so only reported)
    from langdetect import detect_langs, DetectorFactory
    DetectorFactory.seed = 0
    suspicious = []
    for fn, i, r in rows:
        if r["language"] in ("ar", "he"): continue
        probs = {p.lang: p.prob for p in detect_langs(r["text"])}
        if probs.get(r["language"], 0) < 0.2:
            suspicious.append(f"{fn}:{i} tagged {r['language']} detected {max(probs, key=probs.get)}: {r['text'][:70]}")
    print(f"langdetect: {len(suspicious)} low-confidence items (review manually)")
    for s in suspicious: print("  ", s)
except ImportError:
    print("langdetect not installed: skipped language-ID check")

print("\nCounts (language x category x label):")
cols = [("violence", "harmful"), ("violence", "benign"), ("self_harm", "harmful"), ("self_harm", "benign"),
        ("hate", "harmful"), ("hate", "benign"), ("sexual", "harmful"), ("sexual", "benign"),
        ("jailbreak", "harmful"), ("jailbreak", "benign")]
c = collections.Counter((r["language"], r["category"], r["label"]) for _, _, r in rows)
hdr = ["lang"] + [f"{a[:4]}/{b[0]}" for a, b in cols] + ["total"]
print(" | ".join(f"{h:>8}" for h in hdr))
tot = collections.Counter()
for L in LANGS:
    vals = [c[(L, a, b)] for a, b in cols]
    for k, v in zip(cols, vals): tot[k] += v
    print(" | ".join(f"{x:>8}" for x in [L] + vals + [sum(vals)]))
print(" | ".join(f"{x:>8}" for x in ["all"] + [tot[k] for k in cols] + [sum(tot.values())]))
print("\nPer file:", dict(collections.Counter(fn for fn, _, _ in rows)))
print("Severity (harmful.jsonl):", dict(collections.Counter(r["severity"] for fn, _, r in rows if fn == "harmful.jsonl")))
print("Kinds (attacks.jsonl):", dict(collections.Counter(r["kind"] for fn, _, r in rows if fn == "attacks.jsonl")))
print("Everyday (benign.jsonl):", sum(1 for fn, _, r in rows if r["kind"] == "everyday"))
print(f"\n{len(rows)} rows, {len(errors)} errors")
for e in errors: print("ERROR", e)
sys.exit(1 if errors else 0)
