#!/usr/bin/env bash
# False-positive rate on ordinary pages nobody here wrote: the HTML documentation Debian
# packages ship (English, Japanese and the Debian Handbook's other languages).
# Installs the documentation packages (root), then prints JSON figures per set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PACKAGES=(python3.11-doc debian-reference-ja debian-reference-en debian-handbook developers-reference-ja)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for d in debian-handbook debian-reference-ja debian-reference-en developers-reference-ja; do ln -s "/usr/share/doc/$d" "$work/$d"; done
summary='import json,sys; d=json.load(sys.stdin); o=d["overall"]; f=d["flagged_overall"]
print(json.dumps({"set": sys.argv[1], "pages": o["n"], "scam": o["fp"], "fpr": o["fpr"], "scam_or_suspicious": f["fp"],
 "per_language": {k: [v["n"], v["fp"]] for k, v in d["per_language"].items()}, "flagged": [m["file"] for m in d["misclassified"]]}))'
.venv/bin/scamscope eval --label benign --json /usr/share/doc/python3.11/html | .venv/bin/python -c "$summary" python3.11-doc
.venv/bin/scamscope eval --label benign --json "$work" | .venv/bin/python -c "$summary" debian-handbook+references
