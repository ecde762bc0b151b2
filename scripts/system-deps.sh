#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing.
# Runs as root on CI and developer machines (apt-get works there); elsewhere it says what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Text built-ins and synonym replacement (genaug.data.text, genaug.ops.text); data only, so
# installed without recommends (r-cran-janeaustenr would otherwise pull in hundreds of packages).
text=()
[ -f /usr/share/games/fortunes/computers ] || text+=(fortunes)
[ -f /usr/share/wordnet/index.noun ] || text+=(wordnet-base)
[ -f /usr/lib/R/site-library/janeaustenr/data/Rdata.rdb ] || text+=(r-cran-janeaustenr)
# Audio built-in spoken_digits and the speech synthesizer (genaug.data.audio, genaug.synth.audio_tts).
command -v espeak-ng >/dev/null 2>&1 || text+=(espeak-ng)
if [ ${#text[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
  echo "system-deps: installing ${text[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${text[@]}" >/dev/null
elif [ ${#text[@]} -gt 0 ]; then
  echo "system-deps: missing ${text[*]}; install with: sudo apt-get install -y --no-install-recommends ${text[*]}" >&2
fi
# The opencv-digits built-in (real 20x20 digits) comes from Debian's opencv-doc: only its
# digits.png is extracted into the genaug data folder (scripts/fetch_opencv_digits.sh).
digits="${GENAUG_DATA_DIR:-$HOME/.cache/genaug}/opencv-digits/digits.png"
if [ ! -s "$digits" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: fetching opencv-digits (opencv-doc's digits.png)" >&2
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  if ! bash "$here/fetch_opencv_digits.sh" >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; fi
    bash "$here/fetch_opencv_digits.sh" >&2 || echo "system-deps: could not fetch opencv-digits" >&2
  fi
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${need[*]}; install with: sudo apt-get install -y ${need[*]}" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
