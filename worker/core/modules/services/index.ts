// The services module (Y.4464 10.5, issue 17): services outside the chain, the access grants
// consensus gives to devices and users, their revocation and the services' access receipts.
// Records, rules and limits: ./types.ts; how a service checks a grant: ./proof.ts.
import { decode, encode } from '../../codec';
import { botError } from '../../errors';
import { isPlainObject, onlyFields } from '../../body';
import { publicKeyFromDid } from '../../crypto/did';
import { verifyStrict } from '../../crypto/ed25519';
import type { Tx } from '../../tx-shape';
import type { BlockContext, BodyRules, TxModule } from '../module';
import { deviceIn, devicesModule } from '../devices';
import { blocklistModule } from '../blocklist';
import {
  grantPrefix,
  serviceAccessesPerGrantMax,
  serviceAccessGraceMs,
  serviceAllowMax,
  serviceClockSkewMs,
  serviceGrantsOpenMax,
  serviceGrantTtlMaxMs,
  serviceGrantTtlMinMs,
  serviceIdLengthMax,
  serviceNameLengthMax,
  servicePrefix,
  servicesMax,
  serviceTxTypes,
  serviceUrlLengthMax,
  type GrantRecord,
  type ServiceAccess,
  type ServiceRecord,
} from './types';

export * from './types';

export interface Services {
  readonly services: ReadonlyMap<string, ServiceRecord>;
  /** Grants until their expiry plus serviceAccessGraceMs (older ones stay in storage only). */
  readonly grants: ReadonlyMap<string, GrantRecord>;
}

interface ServicesOverlay {
  services: Map<string, ServiceRecord>;
  grants: Map<string, GrantRecord>;
  touchedServices: Set<string>;
  touchedGrants: Set<string>;
}

const serviceIdPattern = new RegExp(`^[a-z0-9][a-z0-9-]{0,${serviceIdLengthMax - 1}}$`);
const controlCharacters = /[\u0000-\u001f\u007f]/;

function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('did:key:z') && value.length <= 64;
}

function isTxId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

function checkServiceId(value: unknown): void {
  if (typeof value !== 'string' || !serviceIdPattern.test(value))
    throw botError(
      'BAD_FIELD_TYPE',
      `service is an id of 1 to ${serviceIdLengthMax} lower-case letters, digits and dashes.`,
    );
}

function checkText(value: unknown, field: string, max: number, min = 1): void {
  if (
    typeof value !== 'string' ||
    value.length < min ||
    value.length > max ||
    controlCharacters.test(value)
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} is text of ${min} to ${max} characters, without control characters.`,
    );
}

function checkAccess(value: unknown): void {
  if (!isPlainObject(value))
    throw botError('BAD_FIELD_TYPE', 'access is { mode: "devices" } or { mode: "list", allow }.');
  if (value.mode === 'devices') {
    onlyFields(value, ['mode'], 'access');
    return;
  }
  if (value.mode !== 'list')
    throw botError('BAD_FIELD_TYPE', 'access.mode is "devices" or "list".');
  onlyFields(value, ['mode', 'allow'], 'access');
  const allow = value.allow;
  if (!Array.isArray(allow) || allow.length === 0 || allow.length > serviceAllowMax)
    throw botError('BAD_FIELD_TYPE', `access.allow lists 1 to ${serviceAllowMax} did:keys.`);
  if (!allow.every(isDid) || new Set(allow).size !== allow.length)
    throw botError('BAD_FIELD_TYPE', 'access.allow lists distinct did:keys.');
}

const registerRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A service.register body is { id, name, key, url?, access }.');
    onlyFields(body, ['id', 'name', 'key', 'url', 'access'], 'service.register');
    checkServiceId(body.id);
    checkText(body.name, 'name', serviceNameLengthMax);
    if (!isDid(body.key)) throw botError('BAD_FIELD_TYPE', 'key is the service did:key.');
    try {
      publicKeyFromDid(body.key);
    } catch {
      throw botError('BAD_KEY', 'key is not a valid did:key.');
    }
    if (body.url !== undefined) {
      checkText(body.url, 'url', serviceUrlLengthMax, 0);
      if (body.url !== '' && !/^https?:\/\//.test(body.url as string))
        throw botError('BAD_FIELD_TYPE', 'url is an http(s) address.');
    }
    checkAccess(body.access);
  },
};

const grantRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A service.grant body is { service, subject, ttl }.');
    onlyFields(body, ['service', 'subject', 'ttl'], 'service.grant');
    checkServiceId(body.service);
    if (!isDid(body.subject)) throw botError('BAD_FIELD_TYPE', 'subject is a did:key.');
    const ttl = body.ttl;
    if (
      typeof ttl !== 'number' ||
      !Number.isSafeInteger(ttl) ||
      ttl < serviceGrantTtlMinMs ||
      ttl > serviceGrantTtlMaxMs
    )
      throw botError(
        'BAD_FIELD_TYPE',
        `ttl is a whole number of ms from ${serviceGrantTtlMinMs} to ${serviceGrantTtlMaxMs} (serviceGrantTtlMaxMs).`,
      );
  },
};

const revokeRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body)) throw botError('MALFORMED', 'A service.revoke body is { grant }.');
    onlyFields(body, ['grant'], 'service.revoke');
    if (!isTxId(body.grant)) throw botError('BAD_FIELD_TYPE', 'grant is a transaction id.');
  },
};

const accessRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A service.access body is { grant, at, sig }.');
    onlyFields(body, ['grant', 'at', 'sig'], 'service.access');
    if (!isTxId(body.grant)) throw botError('BAD_FIELD_TYPE', 'grant is a transaction id.');
    if (typeof body.at !== 'number' || !Number.isSafeInteger(body.at) || body.at < 0)
      throw botError('BAD_FIELD_TYPE', 'at is the service time of the access, in ms.');
    if (!(body.sig instanceof Uint8Array) || body.sig.length !== 64)
      throw botError('BAD_FIELD_TYPE', 'sig is the 64-byte signature of the service.');
  },
};

/** The bytes a service signs for one access (its receipt), and the chain checks. */
export function accessReceiptBytes(
  chain: string,
  grant: string,
  service: string,
  at: number,
): Uint8Array {
  return encode(['bot/service-access/v1', chain, grant, service, at]);
}

function grantIn(overlay: ServicesOverlay, id: string): GrantRecord | undefined {
  return overlay.grants.get(id);
}

function applyRegister(overlay: ServicesOverlay, tx: Tx, txId: string, block: BlockContext) {
  const body = tx.body as {
    id: string;
    name: string;
    key: string;
    url?: string;
    access: ServiceAccess;
  };
  const current = overlay.services.get(body.id);
  if (current && current.owner !== tx.from)
    throw botError('UNAUTHORIZED', `Service ${body.id} is registered by another owner.`);
  if (!current && overlay.services.size >= servicesMax)
    throw botError('TOO_LARGE', `This chain holds ${servicesMax} services (servicesMax).`);
  overlay.services.set(body.id, {
    id: body.id,
    name: body.name,
    key: body.key,
    url: body.url ?? '',
    access: body.access,
    owner: tx.from,
    registered: current?.registered ?? block.height,
    updated: block.height,
    tx: txId,
  });
  overlay.touchedServices.add(body.id);
}

function applyGrant(overlay: ServicesOverlay, tx: Tx, txId: string, block: BlockContext) {
  const body = tx.body as { service: string; subject: string; ttl: number };
  const service = overlay.services.get(body.service);
  if (!service) throw botError('NOT_FOUND', `No service ${body.service} is registered.`);
  const device = deviceIn(block.overlayOf(devicesModule), body.subject);
  const listed = (did: string) =>
    service.access.mode === 'list' && service.access.allow.includes(did);
  if (device) {
    if (device.status === 'retired')
      throw botError('UNAUTHORIZED', `Device ${body.subject} is retired.`);
    const blocked = block.overlayOf(blocklistModule).records.get(body.subject);
    if (blocked && blocked.blocked !== null)
      throw botError(
        'UNAUTHORIZED',
        `Device ${body.subject} is blocked on this chain since block ${blocked.blocked}.`,
      );
    if (tx.from !== body.subject && tx.from !== device.gateway && tx.from !== device.owner)
      throw botError(
        'UNAUTHORIZED',
        `Only device ${body.subject}, its gateway or its owner asks access for it.`,
      );
    if (service.access.mode !== 'devices' && !listed(body.subject) && !listed(device.owner))
      throw botError(
        'UNAUTHORIZED',
        `Service ${service.id} does not admit device ${body.subject} or its owner.`,
      );
  } else {
    if (tx.from !== body.subject)
      throw botError(
        'UNAUTHORIZED',
        `${body.subject} is not a registered device; a user asks for itself.`,
      );
    if (!listed(body.subject))
      throw botError(
        'UNAUTHORIZED',
        service.access.mode === 'devices'
          ? `Service ${service.id} admits registered devices only.`
          : `Service ${service.id} does not list ${body.subject}.`,
      );
  }
  if (overlay.grants.size >= serviceGrantsOpenMax)
    throw botError('TOO_LARGE', `${serviceGrantsOpenMax} grants are open (serviceGrantsOpenMax).`);
  overlay.grants.set(txId, {
    id: txId,
    service: service.id,
    subject: body.subject,
    device: device !== undefined,
    by: tx.from,
    height: block.height,
    time: block.time,
    expires: block.time + body.ttl,
    revoked: null,
    accesses: [],
  });
  overlay.touchedGrants.add(txId);
}

function applyRevoke(overlay: ServicesOverlay, tx: Tx, txId: string, block: BlockContext) {
  const { grant: id } = tx.body as { grant: string };
  const grant = grantIn(overlay, id);
  if (!grant) throw botError('NOT_FOUND', `No open grant ${id}.`);
  if (grant.revoked) throw botError('BAD_REQUEST', `Grant ${id} is already revoked.`);
  const service = overlay.services.get(grant.service)!;
  const device = grant.device ? deviceIn(block.overlayOf(devicesModule), grant.subject) : undefined;
  const may = [service.owner, grant.by, grant.subject, device?.gateway, device?.owner];
  if (!may.includes(tx.from))
    throw botError(
      'UNAUTHORIZED',
      'Only the service owner, the requester, the subject or its gateway or owner revokes a grant.',
    );
  overlay.grants.set(id, { ...grant, revoked: { height: block.height, by: tx.from, tx: txId } });
  overlay.touchedGrants.add(id);
}

function applyAccess(
  overlay: ServicesOverlay,
  tx: Tx,
  txId: string,
  block: BlockContext,
  chainId: string,
) {
  const body = tx.body as { grant: string; at: number; sig: Uint8Array };
  const grant = grantIn(overlay, body.grant);
  if (!grant) throw botError('NOT_FOUND', `No open grant ${body.grant}.`);
  const service = overlay.services.get(grant.service)!;
  const message = accessReceiptBytes(chainId, grant.id, grant.service, body.at);
  if (!verifyStrict(publicKeyFromDid(service.key), message, body.sig))
    throw botError('BAD_SIGNATURE', `The receipt is not signed by service ${service.id}.`);
  if (body.at > grant.expires || body.at < grant.time - serviceClockSkewMs)
    throw botError('UNAUTHORIZED', `The receipt's time is outside grant ${grant.id}'s validity.`);
  if (grant.accesses.some((a) => a.at === body.at))
    throw botError('BAD_REQUEST', 'This access is already recorded.');
  if (grant.accesses.length >= serviceAccessesPerGrantMax)
    throw botError(
      'TOO_LARGE',
      `Grant ${grant.id} holds ${serviceAccessesPerGrantMax} access records.`,
    );
  const entry = { at: body.at, height: block.height, tx: txId, by: tx.from };
  overlay.grants.set(grant.id, { ...grant, accesses: [...grant.accesses, entry] });
  overlay.touchedGrants.add(grant.id);
}

export function decodeServiceRecord(bytes: Uint8Array): ServiceRecord {
  return decode<ServiceRecord>(bytes, 1 << 16);
}

export function decodeGrantRecord(bytes: Uint8Array): GrantRecord {
  return decode<GrantRecord>(bytes, 1 << 16);
}

export const servicesModule: TxModule<Services, ServicesOverlay, 'services'> = {
  name: 'services',
  txTypes: serviceTxTypes,
  bodyRules: {
    'service.register': registerRules,
    'service.grant': grantRules,
    'service.revoke': revokeRules,
    'service.access': accessRules,
  },
  empty: () => ({ services: new Map(), grants: new Map() }),
  overlay: (state, block) => ({
    services: new Map(state.services),
    // Grants past their expiry and the access grace leave memory (they stay in storage).
    grants: new Map(
      [...state.grants].filter(([, g]) => g.expires + serviceAccessGraceMs >= block.time),
    ),
    touchedServices: new Set(),
    touchedGrants: new Set(),
  }),
  apply(overlay, tx, txId, block) {
    if (tx.type === 'service.register') applyRegister(overlay, tx, txId, block);
    else if (tx.type === 'service.grant') applyGrant(overlay, tx, txId, block);
    else if (tx.type === 'service.revoke') applyRevoke(overlay, tx, txId, block);
    else applyAccess(overlay, tx, txId, block, block.chain.chainId);
  },
  finish(overlay, end) {
    for (const id of overlay.touchedServices)
      end.writes.set(servicePrefix + id, encode(overlay.services.get(id)!));
    for (const id of overlay.touchedGrants)
      end.writes.set(grantPrefix + id, encode(overlay.grants.get(id)!));
    return { services: overlay.services, grants: overlay.grants };
  },
  load: {
    prefixes: [servicePrefix, grantPrefix],
    fromEntries(entries) {
      const services = new Map<string, ServiceRecord>();
      const grants = new Map<string, GrantRecord>();
      for (const [key, bytes] of entries) {
        if (key.startsWith(servicePrefix)) {
          const record = decodeServiceRecord(bytes);
          services.set(record.id, record);
        } else {
          const record = decodeGrantRecord(bytes);
          grants.set(record.id, record);
        }
      }
      return { services, grants };
    },
  },
  views: { decodeServiceRecord, decodeGrantRecord },
};
