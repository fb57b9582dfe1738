#!/usr/bin/env bash
# Installs what the browser tests and the PDFs need (Debian's chromium and the CJK fonts) where this machine can:
# as root with apt-get, or through passwordless sudo. Elsewhere it says what is missing and how to get
# it, and the browser tests then skip with that reason (CI turns such a skip into a failure).
# Called by `make test` and by .ci/run, so a newcomer and CI install the same things.
set -uo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
# The TrueType CJK font reportlab embeds in every PDF: printed documents, statements, reports
# (operational/services/pdf.py, docs/printing.md). Noto CJK is CFF, which reportlab cannot embed.
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-prereqs: missing ${need[*]} and no apt-get here; install Chromium and a CJK font by hand," \
       "or the browser tests will skip (and the PDF font tests fail without fonts-wqy-zenhei)." >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "test-prereqs: missing ${need[*]}; run 'sudo apt-get install ${need[*]}' once," \
       "or the browser tests will skip (and the PDF font tests fail without fonts-wqy-zenhei)." >&2
  exit 0
fi

echo "test-prereqs: installing ${need[*]} (Debian packages, once)"
"${run[@]}" apt-get update -qq || true
if ! DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq "${need[@]}" >/dev/null; then
  echo "test-prereqs: could not install ${need[*]}; the browser tests will skip." >&2
  [ "${JXC_STRICT_SKIPS:-}" = "1" ] && exit 1
fi
exit 0
