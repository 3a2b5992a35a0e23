#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when missing. With names
# (`scripts/system-deps.sh gettext`), only those of them (make messages, for the demo).
set -euo pipefail
only=" $* "
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Fonts for CJK text and emoji, so screenshots of the demo data read as they should.
[ -d /usr/share/fonts/truetype/wqy ] || missing+=(fonts-wqy-zenhei)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
command -v redis-server >/dev/null || missing+=(redis-server)
# Signs and checks the responses of the SAML identity provider in tests/sso (pysaml2).
command -v xmlsec1 >/dev/null || missing+=(xmlsec1)
# msgfmt, which compiles the translations (make messages).
command -v msgfmt >/dev/null || missing+=(gettext)
if [ -n "$*" ]; then
  wanted=()
  for package in "${missing[@]}"; do
    [[ "$only" == *" $package "* ]] && wanted+=("$package")
  done
  missing=("${wanted[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
