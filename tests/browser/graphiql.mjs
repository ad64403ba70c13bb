// Real-browser check of GraphiQL: Debian's Chromium, driven by playwright-core, opens
// /graphql on a relaylite started here — on the tutorial's database, then on Chinook —
// runs the example query it opens with and sees its result, and sees no request leave the
// server. Usage: node graphiql.mjs path/to/relaylite
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

async function startServer(db) {
  server = spawn(binary, ['serve', '--db', db, '--listen', '127.0.0.1:0'], {
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

/** Opens GraphiQL on `db`, runs the query it opens with (which contains `example`) and
 * checks that the result pane shows every text of `shows`. */
async function checkGraphiQL(name, db, example, shows) {
  const url = await startServer(db);
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
  check(true, `${name}: GraphiQL renders`);
  const editorText = await page.locator('.graphiql-query-editor').innerText();
  check(editorText.includes(example), `${name}: the editor opens with the example query`);

  const response = page.waitForResponse((r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST'
    && (r.request().postData() ?? '').includes(example));
  await page.locator('.graphiql-execute-button').click();
  const answered = await response;
  check(answered.status() === 200, `${name}: the query was answered with ${answered.status()}`);
  const body = await answered.text();
  check(shows.every((text) => body.includes(text)) && !body.includes('"errors"'),
    `${name}: the answer holds the data and no error`);
  // The pane draws only the lines in view: the first row is enough to see it shows the answer.
  await page.waitForFunction(
    (text) => (document.querySelector('.graphiql-response')?.textContent ?? '').includes(text),
    shows[0],
    { timeout: 20000 },
  );
  check(true, `${name}: the result pane shows the data`);
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });

  const outside = requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  check(outside.length === 0, `${name}: no request leaves the server (${requested.length} requests${outside.length ? `; outside: ${outside.join(', ')}` : ''})`);
  check(pageErrors.length === 0, `${name}: no page errors${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
  await context.close();
  context = undefined;
  server.kill();
  server = undefined;
}

try {
  execFileSync(binary, ['init', '--db', join(work, 'tutorial.sqlite3')]);
  await checkGraphiQL('tutorial', join(work, 'tutorial.sqlite3'), 'allEmployees(sort: [NAME_ASC, ID_ASC])',
    ['"Peter"', '"Engineering"', '"Tracy"']);
  const chinook = join(work, 'chinook.sqlite3');
  execFileSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()',
    chinook, '../realdb/chinook.sql']);
  await checkGraphiQL('chinook', chinook, 'allAlbums(first: 10)',
    ['"For Those About To Rock We Salute You"', '"hasNextPage":true']);
} catch (e) {
  check(false, `browser check ran: ${e.stack ?? e}`);
} finally {
  if (context) await context.close();
  if (server) server.kill();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
