#!/usr/bin/env bash
# Install everything scamscope needs on a Debian machine and create ./.venv.
# Idempotent: re-running only installs what is missing. Run as root for the apt step
# (or with sudo available); without root it skips apt and uses what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the project needs: Tesseract OCR with Japanese and English data (screenshots),
# Chromium (live capture, and the triage report's PDF; the tests render their screenshots with it),
# a CJK font to draw Japanese pages, and for the triage tests: NTFS tools (mkntfs, wimlib) and
# qemu-img to build disk images, hivexsh to write registry keys into test hives; NSS tools (certutil)
# to trust the guard's test CA in a test browser profile, as the README shows for real ones; redis-server,
# the broker of distributed scanning (scamscope worker / scan --broker; the tests start their own), and
# rabbitmq-server, the other broker it is tested with (the tests run a private node: own ports, epmd, data).
APT_PACKAGES=(tesseract-ocr tesseract-ocr-jpn tesseract-ocr-eng chromium fonts-noto-cjk ntfs-3g wimtools qemu-utils libhivex-bin postgresql libnss3-tools redis-server rabbitmq-server)
# a Python >= 3.11 with venv: Debian's, or one already on the machine (pyenv, ...)
if ! python3 -c 'import venv, ensurepip, sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  APT_PACKAGES+=(python3 python3-venv python3-pip)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || { echo "setup: need Debian packages ${missing[*]} but apt-get is missing" >&2; exit 1; }
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.scamscope-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  if ! .venv/bin/python -m pip install -q -e '.[dev]' > .venv/pip-install.log 2>&1; then
    tail -n 40 .venv/pip-install.log >&2
    echo "setup: pip install failed (full log: .venv/pip-install.log)" >&2
    exit 1
  fi
  .venv/bin/python -c 'import scamscope, phonenumbers, selectolax, tldextract, sklearn, scipy' 
  touch "$stamp"
fi
echo "setup: ready (.venv/bin/scamscope)" >&2
