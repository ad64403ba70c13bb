// graphql-http's server audit (auditServer, 61 audits: MUST, SHOULD and MAY) against a
// relaylite started here on a fresh tutorial database. Usage: node audit.mjs path/to/relaylite
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { auditServer } from 'graphql-http';

const binary = process.argv[2] ?? '../../target/debug/relaylite';
const work = mkdtempSync(join(tmpdir(), 'relaylite-audit-'));
execFileSync(binary, ['init', '--db', join(work, 'tutorial.sqlite3')]);
const server = spawn(binary, ['serve', '--db', join(work, 'tutorial.sqlite3'), '--listen', '127.0.0.1:0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let failed = 0;
let passed = 0;
try {
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 10 s')), 10000);
    createInterface({ input: server.stdout }).once('line', (l) => { clearTimeout(timer); resolve(l); });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const url = line.trim().split(' ').pop();
  const results = await auditServer({ url });
  for (const r of results) {
    if (r.status === 'ok') {
      passed += 1;
    } else {
      failed += 1;
      const detail = r.response ? ` (${r.response.status}: ${(await r.response.text()).slice(0, 300)})` : '';
      console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}${detail}`);
    }
  }
  console.log(`audit: ${passed} of ${results.length} ok`);
  if (results.length !== 61) {
    console.log(`expected 61 audits, got ${results.length}`);
    failed += 1;
  }
} catch (e) {
  console.log(`audit could not run: ${e.stack ?? e}`);
  failed += 1;
} finally {
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
