// What the real-host simulator's network did (issue 19): for every gossip message, how many
// hops it took to reach 99 % of the peers that were up, how many duplicate copies arrived, and
// how many bytes each peer sent and received per second of virtual time. Fed by the hubs'
// gossip observer (hub.ts observeGossip) and the memory driver's byte counters.
import { toHex } from '../core/bytes';

interface Message {
  /** Virtual ms of the first arrival anywhere (about when it was broadcast). */
  firstAt: number;
  /** Peers up (minus the sender) when it was first seen: whom 99 % is of. */
  reachable: number;
  /** First arrivals by hop count (index 1: straight from the sender). */
  byHops: number[];
  duplicates: number;
}

export interface NetReport {
  /** Gossip messages first seen after `fromMs` (the heal, or 0 without faults). */
  messages: number;
  /** Of them, those that reached 99 % of the peers up. */
  reached99: number;
  /** Hops to reach 99 % of the peers: median, 99th percentile and most, over those messages. */
  hops99: { p50: number; p99: number; max: number };
  /** Duplicate copies per message (arrivals that were not the first at their peer). */
  duplicatesPerMessage: number;
  /** Copies of all kinds per peer reached (1 would be a perfect tree). */
  copiesPerDelivery: number;
  /** Bytes per second of virtual time each peer sent + received, in KB/s. */
  validatorKBps: Spread;
  memberKBps: Spread;
}

export interface Spread {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export class NetStats {
  private readonly messages = new Map<string, Message>();

  /**
   * `live()` counts the peers up now; `now()` is virtual ms since the start of the run.
   */
  constructor(
    private readonly live: () => number,
    private readonly now: () => number,
  ) {}

  /** One gossip frame arrived at some peer. */
  onGossip(id: Uint8Array, hops: number, duplicate: boolean): void {
    const key = toHex(id);
    let message = this.messages.get(key);
    if (!message) {
      message = { firstAt: this.now(), reachable: this.live() - 1, byHops: [], duplicates: 0 };
      this.messages.set(key, message);
    }
    if (duplicate) message.duplicates++;
    else message.byHops[hops] = (message.byHops[hops] ?? 0) + 1;
  }

  /**
   * The report over the messages first seen from `fromMs` on and before `untilMs` (a message
   * seen in the last moments of a run has not had time to spread); `bytes[i]` is peer i's bytes
   * sent + received over `seconds` of virtual time, `validator(i)` whether it validates.
   */
  report(
    fromMs: number,
    untilMs: number,
    bytes: number[],
    seconds: number,
    validator: (index: number) => boolean,
  ): NetReport {
    const hops: number[] = [];
    let messages = 0;
    let duplicates = 0;
    let deliveries = 0;
    for (const message of this.messages.values()) {
      if (message.firstAt < fromMs || message.firstAt >= untilMs) continue;
      messages++;
      duplicates += message.duplicates;
      const target = Math.ceil(0.99 * message.reachable);
      let reached = 0;
      for (let h = 1; h < message.byHops.length; h++) {
        reached += message.byHops[h] ?? 0;
        if (reached >= target) {
          hops.push(h);
          break;
        }
      }
      deliveries += message.byHops.reduce((sum, count) => sum + (count ?? 0), 0);
    }
    const rates = (want: boolean) =>
      spread(bytes.filter((_, i) => validator(i) === want).map((b) => b / seconds / 1000));
    return {
      messages,
      reached99: hops.length,
      hops99: spread(hops),
      duplicatesPerMessage: messages === 0 ? 0 : duplicates / messages,
      copiesPerDelivery: deliveries === 0 ? 0 : (deliveries + duplicates) / deliveries,
      validatorKBps: rates(true),
      memberKBps: rates(false),
    };
  }
}

function spread(values: number[]): Spread {
  if (values.length === 0) return { mean: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return {
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1]!,
  };
}

/** The report as lines of text (bench:sim --host and the CLI print it). */
export function formatNetReport(r: NetReport): string[] {
  const kb = (s: Spread) =>
    `mean ${s.mean.toFixed(1)}, p50 ${s.p50.toFixed(1)}, p99 ${s.p99.toFixed(1)}, max ${s.max.toFixed(1)} KB/s`;
  return [
    `gossip messages: ${r.messages}; reached 99 % of the peers up: ${r.reached99}`,
    `hops to reach 99 %: p50 ${r.hops99.p50}, p99 ${r.hops99.p99}, max ${r.hops99.max}`,
    `duplicates per message: ${r.duplicatesPerMessage.toFixed(1)} (copies per peer reached: ${r.copiesPerDelivery.toFixed(2)})`,
    `bandwidth per validator (sent + received): ${kb(r.validatorKBps)}`,
    `bandwidth per member (sent + received): ${kb(r.memberKBps)}`,
  ];
}
