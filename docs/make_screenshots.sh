#!/usr/bin/env bash
# Regenerate the README pictures: one small PNG per shipped map, docs/<map>.png.
#
# They show what a fresh machine gets: the shipped sample of documented incidents on the
# schematic fallback boundaries, offline (GEO_OFFLINE=1, an empty GEO_DATA_DIR, no
# incident file), so nothing in them comes from licensed or third-party data.
#
# Needs: `geo` on PATH (or PYTHONPATH set to the repository), Playwright and Debian's
# chromium (`pip install '.[png]'`, `apt-get install chromium`), ImageMagick `convert`,
# and the offline Leaflet assets (`geo assets fetch`, or GEO_ASSETS_DIR pointing at a
# filled cache) so the pages draw without a network.
#
#   bash docs/make_screenshots.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/data" "$work/out"
GEO_OFFLINE=1 GEO_DATA_DIR="$work/data" SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1764374400}" \
  geo build --out "$work/out" --png --force

for png in "$work"/out/*.png; do
  name="$(basename "$png")"
  # 1400x900 -> 1120x720, 64 colours: a few hundred KB down to well under 250 KB.
  convert "$png" -resize 1120x720 -dither None -colors 64 -strip "PNG8:$here/$name"
  echo "wrote docs/$name ($(du -k "$here/$name" | cut -f1) KB)"
done
