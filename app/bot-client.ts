// The page side of the peer: starts the worker and exposes the dApp API (window.bot).
// Calls made before the worker answers are queued by postMessage itself.
import { methodNames, type ApiError, type PeerEvent, type PeerMethods, type StateProofView, type WorkerMessage } from '../worker/api';
import { checkProof } from '../worker/core/proof';

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
  on<T extends EventType>(event: T, handler: Handler<T>): () => void;
  /** Check a state proof here in the page, independently of the worker that produced it. */
  verifyProof(proof: StateProofView): { ok: boolean; value?: unknown; deleted?: boolean; height?: number };
}

export function createBot(worker: Worker): BotApi {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const handlers = new Map<EventType, Set<(e: PeerEvent) => void>>();

  worker.onmessage = (message: MessageEvent<WorkerMessage>) => {
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
  };

  function call<T>(method: keyof PeerMethods, ...params: unknown[]): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, method, params });
    });
  }

  const methods = Object.fromEntries(methodNames.map((name) => [name, (...params: unknown[]) => call(name, ...params)])) as unknown as PeerMethods;
  return {
    ...methods,
    verifyProof: (proof) => checkProof(proof),
    on(event, handler) {
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      set.add(handler as (e: PeerEvent) => void);
      return () => set!.delete(handler as (e: PeerEvent) => void);
    },
  };
}
