#!/usr/bin/env bash
# Set everything up, then scan the bundled example fake-warning page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/scamscope scan examples/fake-warning-ja.html examples/ordinary-ja.html || status=$?
# exit 1 means "a scam was found", which is what this demo expects
[ "${status:-0}" -le 1 ]
