// Services performed outside BoT on this peer (issue 17, Y.4464 10.5): the chain's services and
// grants for the page, registering a service, asking a grant for a device this peer is the gateway
// or owner of (prechecked against the newest state, so what consensus would refuse is refused
// before anything is signed), and the gateway's side of an access: build the grant's proof (the
// header updates the service lacks, from this peer's light-client material, and the grant's
// Merkle proof against the newest durable state root), present it at the service, and record the
// access on chain with the receipt the service signed. The service trusts none of this: it checks
// the proof from the chain's genesis (worker/core/modules/services/proof.ts).
import { botError, BotError } from '../core/errors';
import { decodeBlock } from '../core/block';
import { fromHex, toHex } from '../core/bytes';
import { sha256 } from '../core/crypto/hash';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import type { HeaderUpdate } from '../core/lightclient';
import { verifyStateProof } from '../core/state-trie';
import {
  decodeGrantRecord,
  grantPrefix,
  serviceGrantTtlMaxMs,
  type GrantRecord,
} from '../core/modules/services';
import { encodeGrantProof, grantProofUpdatesMax } from '../core/modules/services/proof';
import type {
  ServiceGrantProofView,
  ServiceGrantView,
  ServicesOverview,
  ServiceUseResult,
  ServiceAccessView,
} from '../api-services';
import type { Storage } from '../store/storage';
import type { Clock } from '../net/clock';
import type { LightUpdateLog } from './xchain';

/** Grants one overview lists at most (newest first). */
export const serviceGrantsListedMax = 200;
/** A grant's life when the request names none. */
export const serviceGrantTtlDefaultMs = 300_000;
/** How long the peer waits for a service's answer. */
export const serviceCallTimeoutMs = 10_000;
/** The largest answer the peer reads from a service. */
export const serviceAnswerBytesMax = 65_536;
/** Presentations one useService makes while the service catches up with the chain's headers. */
const presentationsMax = 8;

/** One HTTP exchange with a service (tests give their own; default: fetch on the clock). */
export type ServiceFetch = (
  url: string,
  init: { method: 'GET' | 'POST'; body?: string },
) => Promise<{ status: number; body: unknown }>;

export interface ServicesHostDeps {
  chain(): ChainState;
  durable(): ChainState;
  storage: Storage;
  updates: LightUpdateLog;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  now(): number;
  fetch: ServiceFetch;
}

export function httpServiceFetch(clock: Clock): ServiceFetch {
  return async (url, init) => {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), serviceCallTimeoutMs);
    try {
      const response = await fetch(url, {
        method: init.method,
        body: init.body,
        headers: init.body ? { 'content-type': 'application/json' } : {},
        signal: controller.signal,
        redirect: 'error',
        cache: 'no-store',
      });
      const text = await response.text();
      if (text.length > serviceAnswerBytesMax)
        throw botError('TOO_LARGE', `The service answered over ${serviceAnswerBytesMax} bytes.`);
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: response.status, body };
    } catch (error) {
      if (error instanceof BotError) throw error;
      throw botError('TIMEOUT', `The service at ${url} did not answer: ${String(error)}.`);
    } finally {
      clock.clearTimeout(timer);
    }
  };
}

function grantView(grant: GrantRecord, headTime: number): ServiceGrantView {
  return {
    ...grant,
    accesses: grant.accesses.map((a) => ({ ...a })),
    active: grant.revoked === null && headTime < grant.expires,
  };
}

export class ServicesHost {
  constructor(private readonly d: ServicesHostDeps) {}

  async services(): Promise<ServicesOverview> {
    const chain = this.d.chain();
    const me = this.d.self();
    const state = chain.services;
    const grants = [...(state?.grants.values() ?? [])]
      .sort((a, b) => b.height - a.height || (a.id < b.id ? -1 : 1))
      .slice(0, serviceGrantsListedMax)
      .map((g) => grantView(g, chain.headTime));
    return {
      services: [...(state?.services.values() ?? [])].map((s) => ({
        id: s.id,
        name: s.name,
        key: s.key,
        url: s.url,
        access: s.access,
        owner: s.owner,
        mine: s.owner === me,
        registered: s.registered,
        updated: s.updated,
      })),
      grants,
      height: chain.height,
      ttlMaxMs: serviceGrantTtlMaxMs,
    };
  }

  /** Precheck against the newest state (refused at once, no nonce taken), then submit. */
  private async send(type: string, body: Record<string, unknown>): Promise<{ txId: string }> {
    const chain = this.d.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type,
      from: this.d.self(),
      nonce: 1,
      time: this.d.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.d.submit({ type, body });
  }

  async registerService(request: {
    id: string;
    name: string;
    key?: string;
    url?: string;
    access?: ServiceAccessView;
  }): Promise<{ txId: string }> {
    let key = request.key;
    if (key === undefined) {
      if (!request.url)
        throw botError('MISSING_FIELD', 'Give the service key, or its URL to read the key from.');
      const answer = await this.d.fetch(`${request.url.replace(/\/$/, '')}/status`, {
        method: 'GET',
      });
      const did = (answer.body as { did?: unknown } | null)?.did;
      if (answer.status !== 200 || typeof did !== 'string')
        throw botError('BAD_REQUEST', `The service at ${request.url} did not tell its key.`);
      key = did;
    }
    const body: Record<string, unknown> = {
      id: request.id,
      name: request.name,
      key,
      access: request.access ?? { mode: 'devices' },
    };
    if (request.url !== undefined) body.url = request.url;
    return this.send('service.register', body);
  }

  async requestServiceGrant(request: {
    service: string;
    subject: string;
    ttlMs?: number;
  }): Promise<{ txId: string; grant: string }> {
    const { txId } = await this.send('service.grant', {
      service: request.service,
      subject: request.subject,
      ttl: request.ttlMs ?? serviceGrantTtlDefaultMs,
    });
    return { txId, grant: txId };
  }

  revokeServiceGrant(grant: string): Promise<{ txId: string }> {
    return this.send('service.revoke', { grant });
  }

  /** The grant's proof at the newest durable height, with the header updates after `from`. */
  async serviceGrantProof(request: {
    grant: string;
    from?: number;
  }): Promise<ServiceGrantProofView> {
    const key = grantPrefix + request.grant;
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = this.d.durable();
      const entry = await this.d.storage.getState(state.chainId, key);
      if (!entry) throw botError('NOT_FOUND', `No grant ${request.grant} on this chain.`);
      const proven = state.trie.prove(key);
      // A block may have become durable between the two reads: try again on the newer state.
      if (!proven || !verifyStateProof(state.trie.rootHash(), key, sha256(entry), proven)) continue;
      const from = Math.max(request.from ?? 0, 0);
      const last = Math.min(state.height, from + grantProofUpdatesMax);
      const updates: HeaderUpdate[] = [];
      for (let height = from + 1; height <= last; height++) {
        const update = await this.d.updates.update(this.d.storage, state.chainId, height);
        if (!update)
          throw botError(
            'NOT_FOUND',
            `This peer holds no light-client material of block ${height} (it keeps what it committed since it started, at most 1024 blocks): give the service a newer checkpoint.`,
          );
        updates.push(update);
      }
      const proof = encodeGrantProof({
        chain: state.chainId,
        grant: request.grant,
        height: last,
        updates,
        entry,
        siblings: proven.siblings,
      });
      return { chain: state.chainId, grant: request.grant, height: last, proof: toHex(proof) };
    }
    throw botError('NOT_READY', 'The chain moved while the proof was read; try again.');
  }

  async useService(request: { grant: string }): Promise<ServiceUseResult> {
    const grant = this.d.chain().services?.grants.get(request.grant);
    if (!grant) throw botError('NOT_FOUND', `No open grant ${request.grant}.`);
    const service = this.d.chain().services!.services.get(grant.service)!;
    if (!service.url)
      throw botError('BAD_REQUEST', `Service ${service.id} registered no URL to reach it at.`);
    const base = service.url.replace(/\/$/, '');
    let answer: { status: number; body: unknown } = { status: 0, body: null };
    for (let attempt = 0; attempt < presentationsMax; attempt++) {
      const status = await this.d.fetch(`${base}/status`, { method: 'GET' });
      const from = (status.body as { height?: unknown } | null)?.height;
      if (status.status !== 200 || typeof from !== 'number' || !Number.isSafeInteger(from))
        throw botError('BAD_REQUEST', `The service at ${base} did not tell its verified height.`);
      const proof = await this.serviceGrantProof({ grant: request.grant, from });
      answer = await this.d.fetch(`${base}/access`, {
        method: 'POST',
        body: JSON.stringify({ proof: proof.proof }),
      });
      // 409: the service followed the headers but holds a newer height than the proof (it was
      // far behind, or another presentation moved it on): prove it again from its height.
      if (answer.status !== 409) break;
    }
    if (answer.status !== 200)
      return { status: answer.status, body: answer.body, accessTxId: null };
    const receipt = (answer.body as { receipt?: { at?: unknown; sig?: unknown } } | null)?.receipt;
    if (
      typeof receipt?.at !== 'number' ||
      typeof receipt.sig !== 'string' ||
      !/^[0-9a-f]{128}$/.test(receipt.sig)
    )
      throw botError('BAD_REQUEST', `The service ${service.id} served without a signed receipt.`);
    const { txId } = await this.d.submit({
      type: 'service.access',
      body: { grant: request.grant, at: receipt.at, sig: fromHex(receipt.sig) },
    });
    return { status: 200, body: answer.body, accessTxId: txId };
  }
}
