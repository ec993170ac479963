// Signature verification in worker threads of its own. Chromium (like Node) runs
// `crypto.subtle.verify` for Ed25519 synchronously on the calling thread: about 85 µs a check
// here, which on the peer's thread was a third of its time per transaction. The pool moves that
// work to other threads, so the peer's thread decodes, executes and stores while the checks run
// beside it, and several cores verify at once.
//
// Each pool thread runs `answerVerifyJob` (verify.worker.ts): the same rules as the in-thread
// verifiers (`precheck` first, then WebCrypto or the strict pure-JS equation; crypto.ts). Checks
// travel packed into one transferred buffer; verdicts come back as one byte each.
//
// A batch of at most `limits.verifyInThreadChecksMax` checks is verified on the calling thread
// (a single vote would wait longer for the round trip than for its check). A pool thread that
// fails is retired and its jobs are verified on the calling thread, so a verdict is never lost.
import type { SignatureCheck } from '../core/block';
import * as limits from '../core/limits';
import { bestVerifier, type Verifier } from './crypto';
import { Packer, Unpacker } from '../store/pack';

/** What the pool needs of a thread: a browser `Worker`, or a Node worker_threads adapter. */
export interface VerifyPort {
  postMessage(message: VerifyJob, transfer: Transferable[]): void;
  onmessage: ((event: { data: VerifyAnswer }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}

export interface VerifyJob {
  id: number;
  /** `packChecks` output. */
  packed: ArrayBuffer;
}

export type VerifyAnswer = { id: number; verdicts: Uint8Array } | { id: number; error: string };

/** The checks as one buffer: a count, then each check's public key, signature and message (pack.ts layout). */
export function packChecks(checks: readonly SignatureCheck[]): ArrayBuffer {
  let size = 4;
  for (const c of checks) size += 12 + c.publicKey.length + c.signature.length + c.message.length;
  const p = new Packer(size).u32(checks.length);
  for (const c of checks) p.bytesOf(c.publicKey).bytesOf(c.signature).bytesOf(c.message);
  return p.finish().buffer as ArrayBuffer;
}

/** The inverse of `packChecks` (views into `packed`, no copies). Throws on a truncated buffer. */
export function unpackChecks(packed: ArrayBuffer): SignatureCheck[] {
  const u = new Unpacker(new Uint8Array(packed));
  const checks: SignatureCheck[] = [];
  for (let i = u.u32(); i > 0; i--)
    checks.push({ publicKey: u.bytesView(), signature: u.bytesView(), message: u.bytesView() });
  return checks;
}

/** The pool thread's side: verify a packed job with the best verifier this thread has. */
export async function answerVerifyJob(
  job: VerifyJob,
): Promise<{ answer: VerifyAnswer; transfer: Transferable[] }> {
  try {
    const verifier = await bestVerifier();
    const results = await verifier.verifyBatch(unpackChecks(job.packed));
    const verdicts = Uint8Array.from(results, (ok) => (ok ? 1 : 0));
    return { answer: { id: job.id, verdicts }, transfer: [verdicts.buffer] };
  } catch (error) {
    return {
      answer: { id: job.id, error: String((error as Error)?.message ?? error) },
      transfer: [],
    };
  }
}

interface Job {
  checks: SignatureCheck[];
  resolve(verdicts: boolean[]): void;
  reject(error: unknown): void;
}

interface Thread {
  port: VerifyPort;
  jobs: Map<number, Job>;
  /** Checks sent and not yet answered: a new job goes to the least loaded thread. */
  load: number;
}

export interface VerifierPool extends Verifier {
  readonly threads: number;
  close(): void;
}

/**
 * A verifier that spreads checks over `size` threads made by `spawn`, falling back to `local`
 * (the calling thread's verifier) for small batches and for the jobs of a failed thread.
 */
export function verifierPool(spawn: () => VerifyPort, size: number, local: Verifier): VerifierPool {
  const threads: Thread[] = [];
  let nextId = 1;
  let closed = false;

  const retire = (thread: Thread, reason: string) => {
    const at = threads.indexOf(thread);
    if (at < 0) return;
    threads.splice(at, 1);
    try {
      thread.port.terminate();
    } catch {
      // already gone
    }
    for (const job of thread.jobs.values())
      local.verifyBatch(job.checks).then(job.resolve, job.reject);
    thread.jobs.clear();
    if (!closed)
      console.warn(
        `A signature verifier thread stopped (${reason}); its checks run on the peer's thread.`,
      );
  };

  for (let i = 0; i < size; i++) {
    let port: VerifyPort;
    try {
      port = spawn();
    } catch {
      break; // no threads here: everything runs on the calling thread
    }
    const thread: Thread = { port, jobs: new Map(), load: 0 };
    port.onmessage = ({ data }) => {
      const job = thread.jobs.get(data.id);
      if (!job) return;
      thread.jobs.delete(data.id);
      thread.load -= job.checks.length;
      if ('error' in data || data.verdicts.length !== job.checks.length) {
        local.verifyBatch(job.checks).then(job.resolve, job.reject);
        return;
      }
      const verdicts = new Array<boolean>(data.verdicts.length);
      for (let j = 0; j < verdicts.length; j++) verdicts[j] = data.verdicts[j] === 1;
      job.resolve(verdicts);
    };
    port.onerror = (event) =>
      retire(thread, String((event as { message?: string })?.message ?? 'error'));
    threads.push(thread);
  }

  const send = (checks: SignatureCheck[]): Promise<boolean[]> => {
    let thread = threads[0]!;
    for (const t of threads) if (t.load < thread.load) thread = t;
    const id = nextId++;
    const packed = packChecks(checks);
    return new Promise<boolean[]>((resolve, reject) => {
      thread.jobs.set(id, { checks, resolve, reject });
      thread.load += checks.length;
      try {
        thread.port.postMessage({ id, packed }, [packed]);
      } catch (error) {
        retire(thread, String((error as Error)?.message ?? error));
      }
    });
  };

  return {
    backend: local.backend,
    get threads() {
      return threads.length;
    },
    async verifyBatch(checks) {
      if (checks.length <= limits.verifyInThreadChecksMax || threads.length === 0 || closed)
        return local.verifyBatch(checks);
      // Jobs of at most verifyJobChecksMax checks, so verdicts start coming back soon and every
      // thread gets a share; none smaller than verifyJobChecksMin unless the batch is.
      const parts = Math.max(
        1,
        Math.min(
          Math.ceil(checks.length / limits.verifyJobChecksMax),
          Math.max(threads.length, Math.floor(checks.length / limits.verifyJobChecksMin)),
        ),
      );
      const per = Math.ceil(checks.length / parts);
      const jobs: Promise<boolean[]>[] = [];
      for (let at = 0; at < checks.length; at += per) jobs.push(send(checks.slice(at, at + per)));
      return (await Promise.all(jobs)).flat();
    },
    close() {
      closed = true;
      for (const thread of [...threads]) retire(thread, 'closed');
    },
  };
}

/**
 * Threads for verification on this device: one per core, at most verifierThreadsMax. One per
 * core rather than one per spare core: the peer's thread waits on storage and messages part of
 * the time, and on 2 cores 2 verifier threads committed 25-40 % more than 1 (BENCHMARKS.md).
 */
export function verifierThreadsFor(cores: number | undefined): number {
  return Math.max(1, Math.min(limits.verifierThreadsMax, cores ?? 2));
}
