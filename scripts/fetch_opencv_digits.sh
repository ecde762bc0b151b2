#!/usr/bin/env bash
# Fetch OpenCV's sample digits.png (5,000 real 20x20 handwritten digits, 500 per class) for
# genaug's "opencv-digits" dataset.
#
# It downloads the Debian package opencv-doc (~96 MB) into a temporary folder, extracts only
# digits.png and puts it where genaug looks for it:
#   ${GENAUG_DATA_DIR:-$HOME/.cache/genaug}/opencv-digits/digits.png
# Pass another destination folder as the first argument to override that.
# Needs apt-get and dpkg-deb (Debian/Ubuntu); `apt-get download` needs no root, but may need a
# prior `apt-get update` (as root) if the package lists are empty. Never commit the PNG.
set -euo pipefail

member="./usr/share/doc/opencv-doc/examples/data/digits.png"
dest_dir="${1:-${GENAUG_DATA_DIR:-$HOME/.cache/genaug}/opencv-digits}"
dest="$dest_dir/digits.png"

if [[ -s "$dest" ]]; then
  echo "already present: $dest"
  exit 0
fi
mkdir -p "$dest_dir"

# An installed opencv-doc already ships the file.
if [[ -s "/usr/share/doc/opencv-doc/examples/data/digits.png" ]]; then
  cp "/usr/share/doc/opencv-doc/examples/data/digits.png" "$dest.tmp.$$"
  mv "$dest.tmp.$$" "$dest"
  echo "copied the installed file to $dest"
  exit 0
fi

for tool in apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (needs Debian/Ubuntu)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download opencv-doc; then
  echo "error: 'apt-get download opencv-doc' failed; run 'apt-get update' (as root) and retry" >&2
  exit 1
fi
dpkg-deb --fsys-tarfile opencv-doc_*.deb | tar -x "$member"
# Write through a temporary name in the destination folder, then rename (atomic).
cp "$work/${member#./}" "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
echo "saved $dest"
