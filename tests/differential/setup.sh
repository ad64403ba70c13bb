#!/usr/bin/env bash
# Installs the original (pinned as the corpus was recorded) into tests/differential/.venv.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/gunicorn ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    graphene-sqlalchemy==3.0.0rc2 graphene==3.4.3 graphql-core==3.2.14 'SQLAlchemy>=2.0,<2.1' \
    'Flask>=3,<4' 'graphql-server[flask]==3.0.0' gunicorn
fi
echo "original installed in $(pwd)/.venv"
