// Probe (issue 14 §6, the voting record's write): from a dedicated worker of this Chromium, 200
// times each, an IndexedDB put of 2 kB (one readwrite transaction, the browser's default
// durability) against a write of 2 kB through a synchronous access handle of the origin private
// file system, without and with flush(); in an off-the-record context and in a profile on disk.
// Prints the p50 / p90 in ms of each. `flock /tmp/bot-heavy.lock node scripts/probe-record-write.mjs`
// (figures: worker/store/record-file.ts, BENCHMARKS.md "Low-load latency, fourth pass").
import { chromium } from 'playwright';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
const workerJs = `
onmessage = async () => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open('probe', 1); r.onupgradeneeded = () => r.result.createObjectStore('meta'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const root = await navigator.storage.getDirectory();
  const fh = await root.getFileHandle('rec', { create: true });
  const h = await fh.createSyncAccessHandle();
  h.truncate(65536);
  const bytes = new Uint8Array(2048).fill(7);
  const idb = [], opfs = [], opfsFlush = [];
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    await new Promise((res, rej) => { const tx = db.transaction('meta', 'readwrite'); tx.objectStore('meta').put(bytes, 'consensus'); tx.oncomplete = res; tx.onerror = rej; tx.commit(); });
    idb.push(performance.now() - t);
    t = performance.now();
    h.write(bytes, { at: (i % 2) * 4096 });
    opfs.push(performance.now() - t);
    t = performance.now();
    h.write(bytes, { at: (i % 2) * 4096 }); h.flush();
    opfsFlush.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  const q = (a, p) => a.slice().sort((x, y) => x - y)[Math.floor(p * (a.length - 1))].toFixed(3);
  const s = (a) => q(a, 0.5) + ' / ' + q(a, 0.9);
  h.close();
  postMessage({ idb: s(idb), opfsWrite: s(opfs), opfsWriteFlush: s(opfsFlush) });
};`;
const server = http
  .createServer((req, res) => {
    if (req.url === '/w.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(workerJs);
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><p>probe</p>');
  })
  .listen(0);
const port = server.address().port;
const run = async (page) => {
  await page.goto(`http://localhost:${port}/`);
  return page.evaluate(
    () =>
      new Promise((res) => {
        const w = new Worker('/w.js');
        w.onmessage = (e) => res(e.data);
        w.postMessage('go');
      }),
  );
};
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
const ctx = await browser.newContext();
console.log('incognito context', await run(await ctx.newPage()));
await browser.close();
const profile = mkdtempSync(join(tmpdir(), 'bot-probe-profile-'));
const persistent = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath(),
  args: chromiumArgs(),
});
console.log('persistent profile', await run(await persistent.newPage()));
await persistent.close();
rmSync(profile, { recursive: true, force: true });
server.close();
