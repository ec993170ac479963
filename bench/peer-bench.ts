// Page side of `npm run bench`: runs the peer benchmark in a Web Worker and publishes the result.
declare global {
  interface Window {
    benchResult?: unknown;
    benchError?: string;
  }
}

const params = new URLSearchParams(location.search);
const worker = new Worker(new URL('./peer-bench.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<{ result?: unknown; error?: string; progress?: string }>) => {
  const out = document.getElementById('out')!;
  if (e.data.progress) {
    out.textContent += `\n${e.data.progress}`;
    console.log(`progress: ${e.data.progress}`); // scripts/bench.mjs starts its CPU profile on "submitting"
  }
  if (e.data.result) {
    window.benchResult = e.data.result;
    out.textContent += `\n${JSON.stringify(e.data.result, null, 2)}`;
  }
  if (e.data.error) window.benchError = e.data.error;
};
const threads = params.get('verifierThreads');
worker.postMessage({
  txCount: Number(params.get('txs') ?? 100_000),
  verifierThreads: threads === null ? null : Number(threads),
});
export {};
