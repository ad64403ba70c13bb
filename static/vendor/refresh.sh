#!/usr/bin/env bash
# Refreshes the vendored GraphiQL and React release files from their npm packages,
# unmodified, with their licences. Run from anywhere; needs npm and network access
# to the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent graphiql@4.1.2 react@18.3.1 react-dom@18.3.1 >/dev/null
for pkg in graphiql-4.1.2 react-18.3.1 react-dom-18.3.1; do
  mkdir -p "$pkg" && tar xzf "$pkg.tgz" -C "$pkg"
done
cp graphiql-4.1.2/package/dist/index.umd.js "$here/graphiql.umd.js"
cp graphiql-4.1.2/package/dist/style.css "$here/graphiql.css"
cp graphiql-4.1.2/package/LICENSE "$here/LICENSE.graphiql"
cp react-18.3.1/package/umd/react.production.min.js "$here/react.production.min.js"
cp react-18.3.1/package/LICENSE "$here/LICENSE.react"
cp react-dom-18.3.1/package/umd/react-dom.production.min.js "$here/react-dom.production.min.js"
cp react-dom-18.3.1/package/LICENSE "$here/LICENSE.react-dom"
echo "refreshed $(ls "$here" | wc -l) files in $here"
