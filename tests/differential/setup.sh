#!/usr/bin/env bash
# Installs the original (pinned as the corpus was recorded) into tests/differential/.venv,
# with psycopg2 so that it can also serve PostgreSQL (RELAYLITE_ORIGINAL_URL, see original_app.py).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/gunicorn ] || ! .venv/bin/python -c 'import psycopg2' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    graphene-sqlalchemy==3.0.0rc2 graphene==3.4.3 graphql-core==3.2.14 'SQLAlchemy>=2.0,<2.1' \
    'Flask>=3,<4' 'graphql-server[flask]==3.0.0' gunicorn psycopg2-binary==2.9.10
fi
echo "original installed in $(pwd)/.venv"
