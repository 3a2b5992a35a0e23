#!/usr/bin/env bash
# Print the path of a Python >= 3.12 to build the virtualenv with (empty when none).
for candidate in \
    "$(command -v pyenv >/dev/null && pyenv root 2>/dev/null)/versions/3.12"*/bin/python \
    "$HOME"/.pyenv/versions/3.12*/bin/python /root/.pyenv/versions/3.12*/bin/python \
    "$(command -v python3.12)" "$(command -v python3.13)" "$(command -v python3)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
