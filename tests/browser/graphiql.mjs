// Real-browser check of GraphiQL: Debian's Chromium, driven by playwright-core, opens
// /graphql on a relaylite started here, runs the example query and sees its result, and
// sees no request leave the server. Usage: node graphiql.mjs path/to/relaylite
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const binary = process.argv[2] ?? '../../target/debug/relaylite';
const work = mkdtempSync(join(tmpdir(), 'relaylite-browser-'));
let server;
let context;
let passed = 0;
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAILED'} - ${what}`);
  if (ok) passed += 1;
  else failures += 1;
}

async function startServer() {
  execFileSync(binary, ['init', '--db', join(work, 'tutorial.sqlite3')]);
  server = spawn(binary, ['serve', '--db', join(work, 'tutorial.sqlite3'), '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout });
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 10 s')), 10000);
    lines.once('line', (l) => { clearTimeout(timer); resolve(l); });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const url = line.trim().split(' ').pop();
  return url;
}

try {
  const url = await startServer();
  const origin = new URL(url).origin;
  // A fresh profile directory: playwright passes it to Chromium as --user-data-dir.
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  check(true, 'GraphiQL renders');
  const editorText = await page.locator('.graphiql-query-editor').innerText();
  check(editorText.includes('allEmployees(sort: [NAME_ASC, ID_ASC])'), 'editor opens with the example query');

  const response = page.waitForResponse((r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST'
    && (r.request().postData() ?? '').includes('allEmployees'));
  await page.locator('.graphiql-execute-button').click();
  const answered = await response;
  check(answered.status() === 200, `the query was answered with ${answered.status()}`);
  await page.waitForFunction(
    () => (document.querySelector('.graphiql-response')?.textContent ?? '').includes('Tracy'),
    null,
    { timeout: 20000 },
  );
  const shown = await page.locator('.graphiql-response').textContent();
  check(shown.includes('"Peter"') && shown.includes('"Engineering"') && shown.includes('"Tracy"'),
    'the result pane shows the data');
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });

  const outside = requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  check(outside.length === 0, `no request leaves the server (${requested.length} requests${outside.length ? `; outside: ${outside.join(', ')}` : ''})`);
  check(pageErrors.length === 0, `no page errors${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
} catch (e) {
  check(false, `browser check ran: ${e.stack ?? e}`);
} finally {
  if (context) await context.close();
  if (server) server.kill();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
