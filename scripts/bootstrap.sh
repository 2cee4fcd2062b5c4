#!/usr/bin/env bash
# Installs what is missing for demat on a Debian machine; safe to run again.
# Debian: tesseract-ocr with French and English models (with --test: chromium and chromium-driver). Python: a virtual environment in .venv with demat,
# its dependencies, the spaCy French model and (with --test) the test tools, (with --bench) the benchmark tools.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1
[ "${1:-}" = "--bench" ] && want_test=2

need_apt=()
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1; then
  langs=$(tesseract --list-langs 2>/dev/null || true)
  grep -qx fra <<<"$langs" || need_apt+=(tesseract-ocr-fra)
  grep -qx eng <<<"$langs" || need_apt+=(tesseract-ocr-eng)
  grep -qx osd <<<"$langs" || need_apt+=(tesseract-ocr-osd)
else
  need_apt+=(tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-osd)
fi
if [ $want_test -ge 1 ]; then  # the browser tests drive Debian's Chromium (Playwright cannot download one here)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fi
if [ $want_test = 2 ]; then  # bench/handprint.py writes in Debian's handwriting fonts
  for font in dkg-handwriting breip humor-sans bwht comic-neue; do
    dpkg -s "fonts-$font" >/dev/null 2>&1 || need_apt+=("fonts-$font")
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.demat-installed
extras="nlp"; [ $want_test = 1 ] && extras="nlp,test"; [ $want_test = 2 ] && extras="nlp,test,bench"
sig=$(sha256sum pyproject.toml | cut -c1-16)
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$have" != "$sig-nlp,test,bench" ] && [ "$have" != "$sig-$extras" ] \
   && ! { [ "$have" = "$sig-nlp,test" ] && [ "$extras" = "nlp" ]; }; then
  echo "bootstrap: installing Python packages ($extras)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  echo "$sig-$extras" > "$stamp"
fi
