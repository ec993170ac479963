// A data proxy's side of data asset circulation (Y.4560 Annex I.2; the chain's rules are in
// worker/core/modules/datasets/proxy.ts): the enterprise confirms a proxy's request, and the
// proxy forwards the versions granted to it (it unwraps its own key of each version and wraps it
// for the enterprise's X25519 key, with the envelope code every grant uses).
import { botError } from '../core/errors';
import {
  mayReadVersion,
  versionKey,
  type DatasetRegistry,
  type RequestRecord,
} from '../core/modules/datasets';
import { forwardVersionsMax } from '../core/modules/datasets/limits';
import type { WrappedKey } from '../core/modules/datasets/keys';
import { wrapForReaders } from '../data/envelope';
import type { X25519Backend } from '../data/x25519';

export interface DatasetProxyDeps {
  registry(): DatasetRegistry;
  self(): string;
  x25519(): Promise<X25519Backend>;
  /** This peer's content key of a version (unwrapped from the chain's wrapped keys). */
  contentKey(
    dataset: string,
    version: number,
    backend: X25519Backend,
  ): Promise<{ fingerprint: Uint8Array; contentKey: Uint8Array }>;
  /** This peer's X25519 key on chain (committed). */
  ensureKey(): Promise<void>;
  submit(type: string, body: unknown): Promise<{ txId: string }>;
}

export class DatasetProxy {
  constructor(private readonly d: DatasetProxyDeps) {}

  /** The enterprise confirms that the proxy of `request` acts for it (its key is published first). */
  async confirmProxy(request: string): Promise<{ txId: string }> {
    const open = this.d.registry().open.get(request);
    if (open && open.for !== this.d.self())
      throw botError(
        'UNAUTHORIZED',
        `This request was made for ${open.for ?? 'its proxy itself'}; only that enterprise confirms it.`,
      );
    await this.d.ensureKey();
    return this.d.submit('dataset.confirm', { request });
  }

  /**
   * Forward versions granted to this proxy to its enterprise (default: every one the enterprise
   * has no key for, the newest forwardVersionsMax).
   */
  async forwardDataset(
    request: string,
    versions?: number[],
  ): Promise<{ txId: string; versions: number[] }> {
    const registry = this.d.registry();
    const open = this.forwardable(registry, request);
    const chosen = versions ?? this.unforwarded(registry, open);
    if (chosen.length === 0)
      throw botError(
        'BAD_REQUEST',
        `${open.for} holds the key of every version granted to you already: nothing to forward.`,
      );
    if (chosen.length > forwardVersionsMax)
      throw botError(
        'TOO_LARGE',
        `A forward carries at most ${forwardVersionsMax} versions: forward them in parts.`,
      );
    const binding = registry.keys.get(open.for!);
    if (!binding) throw botError('NOT_FOUND', `${open.for} has no X25519 key on chain.`);
    const backend = await this.d.x25519();
    const keys: Array<{ version: number; key: WrappedKey }> = [];
    for (const version of chosen) {
      if (!mayReadVersion(registry, open.dataset, version, this.d.self()))
        throw botError(
          'UNAUTHORIZED',
          `Version ${version} of "${open.dataset}" was not granted to you: a proxy forwards only what it was granted.`,
        );
      const { fingerprint, contentKey } = await this.d.contentKey(open.dataset, version, backend);
      const [key] = await wrapForReaders(contentKey, fingerprint, [binding], backend);
      keys.push({ version, key: key! });
    }
    const { txId } = await this.d.submit('dataset.forward', { request, keys });
    return { txId, versions: chosen };
  }

  private forwardable(registry: DatasetRegistry, request: string): RequestRecord {
    const open = registry.open.get(request);
    if (!open || open.for === undefined)
      throw botError(
        'NOT_FOUND',
        'There is no open proxy request with this id (never made, not made for an enterprise, denied or revoked).',
      );
    if (open.reader !== this.d.self())
      throw botError('UNAUTHORIZED', 'Only the proxy that made this request forwards its data.');
    if (open.state !== 'granted')
      throw botError(
        'UNAUTHORIZED',
        `This request is ${open.confirmed ? open.state : 'not confirmed by its enterprise'}: only a granted, confirmed request is forwarded.`,
      );
    return open;
  }

  private unforwarded(registry: DatasetRegistry, open: RequestRecord): number[] {
    const latest = registry.datasets.get(open.dataset)?.latest ?? 0;
    const out: number[] = [];
    for (let v = latest; v >= 1 && out.length < forwardVersionsMax; v--) {
      const readers = registry.versions.get(versionKey(open.dataset, v))?.readers ?? [];
      if (readers.includes(open.reader) && !readers.includes(open.for!)) out.unshift(v);
    }
    return out;
  }
}

/**
 * The purpose a read is recorded with when the reader names none: that of its granted request,
 * or of a proxy's granted request made for it (a forwarded version, Annex I.2).
 */
export function latestPurpose(
  registry: DatasetRegistry,
  dataset: string,
  did: string,
): string | null {
  let forwarded: string | null = null;
  for (const r of registry.open.values()) {
    if (r.dataset !== dataset || r.state !== 'granted') continue;
    if (r.reader === did) return r.purpose;
    if (r.for === did) forwarded = r.purpose;
  }
  return forwarded;
}
