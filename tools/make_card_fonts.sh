#!/usr/bin/env bash
# Make builder/fonts/amiri-card-{regular,bold}.ttf: the TrueType subsets of
# Amiri that athar draws share cards with (builder/cards.py).
#
# Run once by hand; the result is committed so that builds need neither the
# Debian package nor fontTools. Cards are drawn with Pillow's BASIC layout
# from text already shaped by arabic-reshaper (Arabic Presentation Forms)
# and ordered by python-bidi, so the subsets keep the presentation-form code
# points and drop every OpenType layout feature (no GSUB/GPOS needed).
#
# Needs: apt-get install fonts-hosny-amiri; a throw-away venv with fonttools.
set -euo pipefail
SRC=/usr/share/fonts/opentype/fonts-hosny-amiri
OUT="$(cd "$(dirname "$0")/.." && pwd)/builder/fonts"
PYFTSUBSET="${PYFTSUBSET:-pyftsubset}"
# Latin, Latin-1, Arabic, Arabic Supplement, Presentation Forms A and B,
# joiners and marks (U+200C-200F), dashes, quotes and ellipsis.
U="U+0020-007E,U+00A0-00FF,U+0600-06FF,U+0750-077F,U+FB50-FDFF,U+FE70-FEFF,U+200C-200F,U+2010-2027,U+2030-203A"
for w in Regular Bold; do
  lw=$(echo "$w" | tr 'A-Z' 'a-z')
  "$PYFTSUBSET" "$SRC/Amiri-$w.ttf" --unicodes="$U" --layout-features='' \
    --name-IDs='*' --name-languages='*' --no-hinting \
    --output-file="$OUT/amiri-card-$lw.ttf"
done
ls -l "$OUT"/amiri-card-*.ttf
