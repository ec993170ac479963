// The page side of the peer: starts the worker and exposes the dApp API (window.bot).
// Calls made before the worker answers are queued by postMessage itself. The peer can be
// stopped (the worker is terminated: its slot lock and database close with it) and started
// again (a new worker reclaims the tab's slot); event handlers survive the restart.
import {
  methodNames,
  type ApiError,
  type PeerEvent,
  type PeerMethods,
  type AbsenceProofView,
  type StateProofView,
  type WorkerMessage,
} from '../worker/api';
import { checkAbsenceProof, checkProof } from '../worker/shared/proof';

export class BotApiError extends Error {
  constructor(
    readonly code: ApiError['code'],
    message: string,
  ) {
    super(message);
    this.name = 'BotApiError';
  }
}

type EventType = PeerEvent['type'];
type Handler<T extends EventType> = (event: Extract<PeerEvent, { type: T }>) => void;

export interface BotApi extends PeerMethods {
  /**
   * The same methods on one chain of this peer (it runs several at once): e.g.
   * `bot.onChain(id).status()`. Without it a call runs on the active chain (useChain).
   */
  onChain(chainId: string): PeerMethods;
  on<T extends EventType>(event: T, handler: Handler<T>): () => void;
  /** Check a state proof here in the page, independently of the worker that produced it. */
  verifyProof(proof: StateProofView): {
    ok: boolean;
    value?: unknown;
    deleted?: boolean;
    height?: number;
  };
  /** Check a proof of absence (absenceProof) here in the page. */
  verifyAbsenceProof(proof: AbsenceProofView): { ok: boolean };
}

/** Start/stop control of the tab's peer worker (not part of the dApp API). */
export interface PeerControl {
  isRunning(): boolean;
  /** Terminate the worker; pending calls fail with NOT_READY. */
  stop(): void;
  /** Start a new worker (no-op when running). */
  start(): void;
  /** Called with each worker this tab starts (now, if one runs), e.g. to hand it a MessagePort. */
  onWorker(listener: (worker: Worker) => void): () => void;
  onRunning(listener: (running: boolean) => void): () => void;
}

const stoppedMessage = 'The peer is stopped. Start it again on the Peer page.';

export function createBot(spawn: () => Worker): { bot: BotApi; control: PeerControl } {
  let nextId = 1;
  let worker: Worker | null = null;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  const handlers = new Map<EventType, Set<(e: PeerEvent) => void>>();
  const workerListeners = new Set<(worker: Worker) => void>();
  const runningListeners = new Set<(running: boolean) => void>();

  function onMessage(message: MessageEvent<WorkerMessage>) {
    const data = message.data;
    if ('event' in data) {
      for (const handler of handlers.get(data.event.type) ?? []) handler(data.event);
      return;
    }
    const call = pending.get(data.id);
    if (!call) return;
    pending.delete(data.id);
    if (data.error) call.reject(new BotApiError(data.error.code, data.error.message));
    else call.resolve(data.result);
  }

  function callOn<T>(
    chain: string | undefined,
    method: keyof PeerMethods,
    ...params: unknown[]
  ): Promise<T> {
    if (!worker) return Promise.reject(new BotApiError('NOT_READY', stoppedMessage));
    const id = nextId++;
    const target = worker;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      target.postMessage(
        chain === undefined ? { id, method, params } : { id, method, params, chain },
      );
    });
  }
  const call = <T>(method: keyof PeerMethods, ...params: unknown[]) =>
    callOn<T>(undefined, method, ...params);
  /** The same methods, run on one chain of the peer (several chains per peer). */
  const onChain = (chainId: string): PeerMethods =>
    Object.fromEntries(
      methodNames.map((name) => [name, (...params: unknown[]) => callOn(chainId, name, ...params)]),
    ) as unknown as PeerMethods;

  const control: PeerControl = {
    isRunning: () => worker !== null,
    stop() {
      if (!worker) return;
      worker.terminate();
      worker = null;
      for (const [, p] of pending) p.reject(new BotApiError('NOT_READY', stoppedMessage));
      pending.clear();
      for (const listener of runningListeners) listener(false);
    },
    start() {
      if (worker) return;
      worker = spawn();
      worker.onmessage = onMessage;
      for (const listener of workerListeners) listener(worker);
      for (const listener of runningListeners) listener(true);
    },
    onWorker(listener) {
      workerListeners.add(listener);
      if (worker) listener(worker);
      return () => workerListeners.delete(listener);
    },
    onRunning(listener) {
      runningListeners.add(listener);
      return () => runningListeners.delete(listener);
    },
  };

  const methods = Object.fromEntries(
    methodNames.map((name) => [name, (...params: unknown[]) => call(name, ...params)]),
  ) as unknown as PeerMethods;
  const bot: BotApi = {
    ...methods,
    onChain,
    verifyProof: (proof) => checkProof(proof),
    verifyAbsenceProof: (proof) => checkAbsenceProof(proof),
    on(event, handler) {
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      set.add(handler as (e: PeerEvent) => void);
      return () => set!.delete(handler as (e: PeerEvent) => void);
    },
  };
  control.start();
  return { bot, control };
}

/** True for the "this method is not built yet / the peer is stopped" error. */
export function isNotReady(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'NOT_READY';
}
