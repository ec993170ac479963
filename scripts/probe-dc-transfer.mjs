// Probe: can this Chromium hand an RTCDataChannel to a dedicated worker by default (no flags)?
// (issue 14 §6, "fewer thread hops"; docs/ARCHITECTURE.md "Low-load latency, third pass").
// One page links two RTCPeerConnections over loopback, creates a negotiated channel on each,
// transfers one end to a running worker (`worker.postMessage({ dc }, [dc])`) and lets the worker
// ping-pong 50 messages through it against an echo on the page's other end. Prints one line per
// run and a summary. `PROBE_RUNS` (8), `PROBE_NO_RESEND=1` (no ping re-sent after 200 ms unanswered).
// Needs an interface for ICE: `bash scripts/netns-run node scripts/probe-dc-transfer.mjs`.
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const runs = Number(process.env.PROBE_RUNS ?? 8);
const pings = 50;

const page = `<!doctype html><script>
window.result = (async () => {
  const out = {};
  const w = new Worker(URL.createObjectURL(new Blob([\`
    let got = 0;
    onmessage = (e) => {
      if (e.data === 'hi') { postMessage('ready'); return; }
      const dc = e.data.dc;
      if (!dc) { postMessage({ error: 'no channel' }); return; }
      const times = [];
      let t1 = 0;
      let resent = 0;
      let retry = 0;
      // A ping without an answer after 200 ms is sent again (counted): is only the first message lost?
      let ping = () => { t1 = performance.now(); dc.send('p'); clearTimeout(retry); retry = setTimeout(() => { resent += 1; ping(); }, 200); };
      // The receive handler is attached on arrival, before the channel opens.
      dc.onmessage = () => {
        times.push(performance.now() - t1);
        got += 1;
        if (got < ${pings}) ping();
        else { clearTimeout(retry); postMessage({ rttMedian: times.sort((a, b) => a - b)[times.length >> 1] }); }
      };
      if (${process.env.PROBE_NO_RESEND === '1'}) ping = () => { t1 = performance.now(); dc.send('p'); };
      dc.onopen = () => ping();
      setTimeout(() => postMessage({ workerGot: got, resent, state: dc.readyState }), 4000);
    };\`])));
  await new Promise((r) => { w.onmessage = r; w.postMessage('hi'); });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const setup = a.createDataChannel('setup');
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  const linked = await new Promise((r) => { setup.onopen = () => r(true); setTimeout(() => r(false), 8000); });
  if (!linked) return { error: 'no loopback link (run under scripts/netns-run)' };
  const da = a.createDataChannel('direct', { negotiated: true, id: 7 });
  const db = b.createDataChannel('direct', { negotiated: true, id: 7 });
  let echoed = 0;
  // A negotiated channel can receive before its own open event: an echo sent then throws
  // InvalidStateError (counted), so the echo waits for open.
  let echoFailed = 0;
  const early = [];
  db.onopen = () => { for (const m of early.splice(0)) db.send(m); };
  db.onmessage = (e) => {
    echoed += 1;
    if (db.readyState !== 'open') { echoFailed += 1; early.push(e.data); return; }
    db.send(e.data);
  };
  const msgs = [];
  w.onmessage = (e) => msgs.push(e.data);
  try { w.postMessage({ dc: da }, [da]); out.transfer = 'ok'; } catch (e) { out.transfer = String(e); }
  await new Promise((r) => setTimeout(r, 4500));
  out.pageEchoed = echoed;
  out.echoBeforeOpen = echoFailed;
  out.worker = Object.assign({}, ...msgs);
  const dp = a.createDataChannel('page', { negotiated: true, id: 9 });
  const dq = b.createDataChannel('page', { negotiated: true, id: 9 });
  dq.onmessage = (e) => dq.send(e.data);
  await new Promise((r) => { dp.onopen = r; });
  const times = [];
  for (let i = 0; i < ${pings}; i++) {
    const t = performance.now();
    await new Promise((r) => { dp.onmessage = r; dp.send('p'); });
    times.push(performance.now() - t);
  }
  out.pageRttMedian = times.sort((x, y) => x - y)[times.length >> 1];
  return out;
})();
</script>`;

let full = 0;
for (let i = 0; i < runs; i++) {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  const tab = await browser.newPage();
  await tab.setContent(page);
  const result = await tab.evaluate(() => window.result);
  await browser.close();
  if (result.worker?.workerGot === pings) full += 1;
  console.log(JSON.stringify(result));
}
console.log(`${full} of ${runs} runs: all ${pings} round trips through the worker's channel`);
