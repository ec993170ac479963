// What peers say to each other above the network layer: one tag byte, then canonical CBOR.
//   1 consensus   a consensus message (worker/core/consensus/messages.ts), as encodeMessage gives
//   2 head        "my committed head is height/hash" (sent to every new neighbour; drives sync)
//   3 syncRequest "send me blocks from..count"
//   4 syncBlocks  stored blocks, as stored (canonical block bytes), from `from` on
//   5 batchRequest "send me the off-chain reading batch <digest> of device <did>" (to its gateway)
//   6 batchAnswer  the batch's encoded samples, or a refusal { code, message }; the gateway serves
//                  only a requester the chain records as allowed to read the device
//   7 join        "admit me (the authenticated sender) as a member", quoting an invite token
//   8 syncHeaders the answer to a sync request from a peer that may not read the chain's payload
//                 (read-rights.ts): block headers and commit certificates only, from `from` on
//  10 blobGet     "send me the dataset blob <hash>" (a sealed chunk or a manifest; datasets.ts)
//  11 blobData    the blob's bytes, or a refusal { code, message }; the asker checks the hash
//  12 lightGet    a light peer's ask (light.ts): "send me the header updates from..count (headers,
//                 certificates, validator sets with proofs), and the data entry `key` with its
//                 Merkle proof at your head"
//  13 lightData   the answer: the updates and the proven entry, or for a key that is not there
//                 its proof of absence, or a refusal; the light peer checks everything with the
//                 core light client
//  14 blobPush    "keep the dataset chunk <hash>, placed on you": an owner streams each chunk to its
//                 holders as it is sealed, before the version's block (datasets-push.ts)
//  15 blobPushed  the holder's answer to one push: kept, or a refusal { code, message }
// Everything from the wire is untrusted: decoding checks shapes and limits and throws BotError.
import { decode, encode } from '../core/codec';
import { decodeMessage, encodeMessage, type ConsensusMessage } from '../core/consensus/messages';
import { botError } from '../core/errors';
import * as limits from '../core/limits';
import { checkInviteToken, type InviteToken } from '../core/modules/governance';
import { checkCertificate, checkHeader, type BlockHeader, type Certificate } from '../core/block';
import { blobBytesMax } from '../data/limits';
import { lightClientUpdatesMax } from '../core/lightclient';

/** Sibling hashes a light proof may hold (one per bit of a key hash). */
const lightProofSiblingsMax = 256;

export type WireMessage =
  | { kind: 'consensus'; message: ConsensusMessage }
  | { kind: 'head'; height: number; hash: Uint8Array }
  | { kind: 'syncRequest'; from: number; count: number }
  | { kind: 'syncBlocks'; from: number; blocks: Uint8Array[] }
  | { kind: 'batchRequest'; id: number; device: string; digest: Uint8Array }
  | {
      kind: 'batchAnswer';
      id: number;
      samples: Uint8Array | null;
      error: { code: string; message: string } | null;
    }
  | { kind: 'join'; invite: InviteToken | null }
  | { kind: 'syncHeaders'; from: number; headers: SignedHeader[] }
  | { kind: 'blobGet'; id: number; blob: Uint8Array }
  | { kind: 'blobPush'; id: number; blob: Uint8Array; bytes: Uint8Array }
  | { kind: 'blobPushed'; id: number; error: { code: string; message: string } | null }
  | {
      kind: 'blobData';
      id: number;
      bytes: Uint8Array | null;
      error: { code: string; message: string } | null;
    }
  | {
      kind: 'lightGet';
      id: number;
      from: number;
      count: number;
      /** A data key (under data/), or with `raw` a whole state key (lightStateKeyAllowed). */
      key: string | null;
      raw?: boolean;
      /** A transaction id whose inclusion in a certified block is asked (TxInclusion). */
      tx?: string | null;
    }
  | {
      kind: 'lightData';
      id: number;
      head: number;
      /** Header updates (core/lightclient HeaderUpdate), shape-checked by the light client. */
      updates: unknown[];
      proof: LightProof | null;
      /** For an asked key that is not there: its proof of absence (null otherwise). */
      absence?: LightAbsence | null;
      /** The asked transaction's place in its block, or null (not in a block yet). */
      inclusion?: TxInclusion | null;
      /**
       * The read:<prefix> roles the asker holds in the answering peer's state (issue 15), at
       * most lightReadRolesListedMax: a hint, which the light peer proves (gov/role/<role>)
       * before it acts on it. Absent from older full peers.
       */
      readRoles?: string[] | null;
      error: { code: string; message: string } | null;
    };

/**
 * A transaction in a block: the block's header, the signed envelope and its audit path to the
 * header's txRoot (core/merkle.ts merklePath). The light peer checks the header's hash against
 * one it verified with its certificate, then the path.
 */
export interface TxInclusion {
  header: BlockHeader;
  tx: Uint8Array;
  index: number;
  size: number;
  path: Uint8Array[];
}

/** A state entry with its Merkle proof at `height` (sibling hashes, root first). */
export interface LightProof {
  key: string;
  height: number;
  entry: Uint8Array;
  siblings: Uint8Array[];
}

/**
 * A state key proven absent at `height` (core/state-trie.ts AbsenceProof): the sibling hashes
 * from the root down to where the key would be, and the other key's leaf found there (null: an
 * empty subtree).
 */
export interface LightAbsence {
  key: string;
  height: number;
  siblings: Uint8Array[];
  other: { keyHash: Uint8Array; valueHash: Uint8Array } | null;
}

/** A block header with its commit certificate: what a peer that may not read payload gets. */
export interface SignedHeader {
  header: BlockHeader;
  cert: Certificate | null;
}

const tags = {
  consensus: 1,
  head: 2,
  syncRequest: 3,
  syncBlocks: 4,
  batchRequest: 5,
  batchAnswer: 6,
  join: 7,
  syncHeaders: 8,
  blobGet: 10,
  blobData: 11,
  lightGet: 12,
  lightData: 13,
  blobPush: 14,
  blobPushed: 15,
} as const;

/** The kind of an encoded message from its tag byte, without decoding it (null: unknown). */
export function wireKindOf(bytes: Uint8Array): WireMessage['kind'] | null {
  for (const [kind, tag] of Object.entries(tags))
    if (bytes[0] === tag) return kind as WireMessage['kind'];
  return null;
}

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

/** CBOR text "bytes" and "error" as map keys (a head of 0x65 and five ASCII letters). */
const bytesKey = Uint8Array.of(0x65, 0x62, 0x79, 0x74, 0x65, 0x73);
const errorKeyNull = Uint8Array.of(0x65, 0x65, 0x72, 0x72, 0x6f, 0x72, 0xf6);

/**
 * A blob answer carrying bytes, written straight into one buffer of its size: the same bytes as
 * tagged(encode({ id, bytes, error: null })) (the canonical map: keys id, bytes, error), without
 * the encoder's growing buffer and the two copies of a 1 MiB chunk after it (bench:data).
 */
function blobDataBytes(id: number, bytes: Uint8Array): Uint8Array {
  const idKeyAndValue = encode({ id }).subarray(1); // 0x62 "id" and the canonical integer
  const lengthHead = encode(bytes.length); // a major-0 head; a byte string is major 2
  lengthHead[0]! |= 0x40;
  const size =
    2 +
    idKeyAndValue.length +
    bytesKey.length +
    lengthHead.length +
    bytes.length +
    errorKeyNull.length;
  const out = new Uint8Array(size);
  let at = 0;
  const put = (part: Uint8Array) => {
    out.set(part, at);
    at += part.length;
  };
  out[at++] = tags.blobData;
  out[at++] = 0xa3; // a map of three entries
  put(idKeyAndValue);
  put(bytesKey);
  put(lengthHead);
  put(bytes);
  put(errorKeyNull);
  return out;
}

/**
 * A pushed chunk written straight into one buffer of its size: the same bytes as
 * tagged(encode({ id, blob, bytes })) (canonical key order: id, blob, bytes). Written into
 * `into` (a view of its start is returned) when it is big enough, else into a new buffer.
 */
function blobPushBytes(
  id: number,
  blob: Uint8Array,
  bytes: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  const head = encode({ id, blob }); // a map of two entries: id, blob
  const lengthHead = encode(bytes.length);
  lengthHead[0]! |= 0x40;
  const size = 1 + head.length + bytesKey.length + lengthHead.length + bytes.length;
  const out = into && into.length >= size ? into.subarray(0, size) : new Uint8Array(size);
  out[0] = tags.blobPush;
  out.set(head, 1);
  out[1] = 0xa3; // three entries: bytes follows
  let at = 1 + head.length;
  out.set(bytesKey, at);
  at += bytesKey.length;
  out.set(lengthHead, at);
  out.set(bytes, at + lengthHead.length);
  return out;
}

/** The largest encoded blobPush (a blob of blobBytesMax bytes): a buffer this big takes any. */
export const blobPushBytesMax = blobBytesMax + 128;

/**
 * A blobPush encoded as encodeWire does, into `into` when it is big enough (the bytes are a
 * view of its start, valid until `into` is written again), else into a new buffer.
 */
export function encodeBlobPush(
  message: Extract<WireMessage, { kind: 'blobPush' }>,
  into?: Uint8Array,
): Uint8Array {
  return blobPushBytes(message.id, message.blob, message.bytes, into);
}

/** CBOR text "blob" and the head of a 32-byte string. */
const blobKeyHash = Uint8Array.of(0x64, 0x62, 0x6c, 0x6f, 0x62, 0x58, 0x20);

/** A pushed chunk in exactly the form blobPushBytes writes, its bytes a view (no copy); else null. */
function blobPushOf(body: Uint8Array): Extract<WireMessage, { kind: 'blobPush' }> | null {
  const id = blobMapId(body);
  if (!id) return null;
  let at = id[1];
  for (let i = 0; i < blobKeyHash.length; i++) if (body[at + i] !== blobKeyHash[i]) return null;
  at += blobKeyHash.length;
  const blob = body.subarray(at, at + 32);
  at += 32;
  for (let i = 0; i < bytesKey.length; i++) if (body[at + i] !== bytesKey[i]) return null;
  const length = canonicalHead(body, at + bytesKey.length, 2);
  if (!length || blob.length !== 32) return null;
  if (length[1] + length[0] !== body.length) return null;
  return { kind: 'blobPush', id: id[0], blob, bytes: body.subarray(length[1]) };
}

/**
 * The start both fast blob forms share: a map of three entries whose first is "id", a canonical
 * unsigned integer: [id, next offset], or null.
 */
function blobMapId(body: Uint8Array): [number, number] | null {
  if (body.length > blobBytesMax + 1024 || body[0] !== 0xa3) return null;
  if (body[1] !== 0x62 || body[2] !== 0x69 || body[3] !== 0x64) return null; // "id"
  return canonicalHead(body, 4, 0);
}

/**
 * The canonical CBOR head of `major` at `at` (argument in its shortest form, a safe integer):
 * [argument, next offset], or null for anything else.
 */
function canonicalHead(bytes: Uint8Array, at: number, major: number): [number, number] | null {
  const first = bytes[at];
  if (first === undefined || first >> 5 !== major) return null;
  const info = first & 31;
  if (info < 24) return [info, at + 1];
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0 || at + 1 + size > bytes.length) return null;
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + bytes[at + 1 + i]!;
  const least = size === 1 ? 24 : 2 ** (4 * size); // 24, 2^8, 2^16, 2^32: else a shorter head
  if (value < least || !Number.isSafeInteger(value)) return null;
  return [value, at + 1 + size];
}

/**
 * A blob answer carrying bytes in exactly the canonical form encodeWire writes, read without
 * copying the bytes (they are a view of this message's own buffer); null for anything else,
 * which the strict generic decode then judges.
 */
function blobDataOf(body: Uint8Array): Extract<WireMessage, { kind: 'blobData' }> | null {
  const id = blobMapId(body);
  if (!id) return null;
  let at = id[1];
  for (let i = 0; i < bytesKey.length; i++) if (body[at + i] !== bytesKey[i]) return null;
  const length = canonicalHead(body, at + bytesKey.length, 2);
  if (!length) return null;
  at = length[1];
  const end = at + length[0];
  if (end + errorKeyNull.length !== body.length) return null;
  for (let i = 0; i < errorKeyNull.length; i++) if (body[end + i] !== errorKeyNull[i]) return null;
  return { kind: 'blobData', id: id[0], bytes: body.subarray(at, end), error: null };
}

export function encodeWire(message: WireMessage): Uint8Array {
  switch (message.kind) {
    case 'consensus':
      return tagged(tags.consensus, encodeMessage(message.message));
    case 'head':
      return tagged(tags.head, encode({ height: message.height, hash: message.hash }));
    case 'syncRequest':
      return tagged(tags.syncRequest, encode({ from: message.from, count: message.count }));
    case 'syncBlocks':
      return tagged(tags.syncBlocks, encode({ from: message.from, blocks: message.blocks }));
    case 'batchRequest':
      return tagged(
        tags.batchRequest,
        encode({ id: message.id, device: message.device, digest: message.digest }),
      );
    case 'batchAnswer':
      return tagged(
        tags.batchAnswer,
        encode({ id: message.id, samples: message.samples, error: message.error }),
      );
    case 'join':
      return tagged(tags.join, encode({ invite: message.invite }));
    case 'syncHeaders':
      return tagged(tags.syncHeaders, encode({ from: message.from, headers: message.headers }));
    case 'blobGet':
      return tagged(tags.blobGet, encode({ id: message.id, blob: message.blob }));
    case 'blobData':
      if (message.bytes !== null && message.error === null)
        return blobDataBytes(message.id, message.bytes);
      return tagged(
        tags.blobData,
        encode({ id: message.id, bytes: message.bytes, error: message.error }),
      );
    case 'blobPush':
      return blobPushBytes(message.id, message.blob, message.bytes);
    case 'blobPushed':
      return tagged(tags.blobPushed, encode({ id: message.id, error: message.error }));
    case 'lightGet':
      return tagged(
        tags.lightGet,
        encode({
          id: message.id,
          from: message.from,
          count: message.count,
          key: message.key,
          raw: message.raw ?? false,
          tx: message.tx ?? null,
        }),
      );
    case 'lightData':
      return tagged(
        tags.lightData,
        encode({
          id: message.id,
          head: message.head,
          updates: message.updates,
          proof: message.proof,
          absence: message.absence ?? null,
          inclusion: message.inclusion ?? null,
          readRoles: message.readRoles ?? null,
          error: message.error,
        }),
      );
  }
}

function lightProofOf(value: unknown): LightProof | null {
  if (value === null) return null;
  const p = value as Record<string, unknown> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.key !== 'string' ||
    p.key.length > limits.dataKeyBytesMax + 16 ||
    !isHeight(p.height) ||
    !(p.entry instanceof Uint8Array) ||
    !Array.isArray(p.siblings) ||
    p.siblings.length > lightProofSiblingsMax ||
    !p.siblings.every((h) => h instanceof Uint8Array && h.length === 32)
  )
    throw botError('MALFORMED', 'A light proof is { key, height, entry, siblings }.');
  return { key: p.key, height: p.height, entry: p.entry, siblings: p.siblings as Uint8Array[] };
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === 32;
}

function lightAbsenceOf(value: unknown): LightAbsence | null {
  if (value === undefined || value === null) return null;
  const p = value as Record<string, unknown> | null;
  const other = p?.other as Record<string, unknown> | null | undefined;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.key !== 'string' ||
    p.key.length > limits.dataKeyBytesMax + 16 ||
    !isHeight(p.height) ||
    !Array.isArray(p.siblings) ||
    p.siblings.length > lightProofSiblingsMax ||
    !p.siblings.every(isHash) ||
    !(
      other === null ||
      (typeof other === 'object' && isHash(other.keyHash) && isHash(other.valueHash))
    )
  )
    throw botError('MALFORMED', 'A proof of absence is { key, height, siblings, other }.');
  return {
    key: p.key,
    height: p.height,
    siblings: p.siblings as Uint8Array[],
    other: other
      ? { keyHash: other.keyHash as Uint8Array, valueHash: other.valueHash as Uint8Array }
      : null,
  };
}

/** Hashes an audit path may hold (a block holds far fewer than 2^64 transactions). */
const inclusionPathMax = 64;

function inclusionOf(value: unknown): TxInclusion | null {
  if (value === undefined || value === null) return null;
  const p = value as Record<string, unknown>;
  if (
    typeof p !== 'object' ||
    !(p.tx instanceof Uint8Array) ||
    p.tx.length > limits.txBytesMax ||
    !isHeight(p.index) ||
    !isHeight(p.size) ||
    p.index >= p.size ||
    !Array.isArray(p.path) ||
    p.path.length > inclusionPathMax ||
    !p.path.every((h) => h instanceof Uint8Array && h.length === 32)
  )
    throw botError('MALFORMED', 'A transaction inclusion is { header, tx, index, size, path }.');
  return {
    header: checkHeader(p.header),
    tx: p.tx,
    index: p.index,
    size: p.size,
    path: p.path as Uint8Array[],
  };
}

function isHeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A light answer's read roles: absent, null, or a short list of read:<prefix> role names. */
function readRolesOk(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return (
    Array.isArray(value) &&
    value.length <= limits.lightReadRolesListedMax &&
    value.every(
      (role) =>
        typeof role === 'string' &&
        role.startsWith('read:') &&
        role.length <= limits.roleNameLengthMax,
    )
  );
}

function refusalOk(error: Record<string, unknown> | null | undefined): boolean {
  return (
    error === null ||
    (typeof error === 'object' &&
      typeof error?.code === 'string' &&
      error.code.length <= 32 &&
      typeof error.message === 'string' &&
      error.message.length <= 500)
  );
}

/** Decode and shape-check bytes from a peer. Throws BotError (MALFORMED, TOO_LARGE, ...). */
export function decodeWire(bytes: Uint8Array): WireMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2)
    throw botError('MALFORMED', 'An empty or one-byte message.');
  if (bytes.length > limits.wireMessageBytesMax)
    throw botError(
      'TOO_LARGE',
      `A message of ${bytes.length} bytes; the limit is ${limits.wireMessageBytesMax}.`,
    );
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case tags.consensus:
      return { kind: 'consensus', message: decodeMessage(body) };
    case tags.head: {
      const m = decode<Record<string, unknown>>(body, 256);
      if (!isHeight(m?.height) || !(m.hash instanceof Uint8Array) || m.hash.length !== 32)
        throw botError('MALFORMED', 'A head message has a height and a 32-byte hash.');
      return { kind: 'head', height: m.height, hash: m.hash };
    }
    case tags.syncRequest: {
      const m = decode<Record<string, unknown>>(body, 256);
      if (
        !isHeight(m?.from) ||
        m.from < 1 ||
        !isHeight(m.count) ||
        m.count < 1 ||
        m.count > limits.syncBatchBlocksMax
      ) {
        throw botError(
          'MALFORMED',
          `A sync request names a first height from 1 and a count from 1 to ${limits.syncBatchBlocksMax}.`,
        );
      }
      return { kind: 'syncRequest', from: m.from, count: m.count };
    }
    case tags.syncBlocks: {
      const m = decode<Record<string, unknown>>(body, limits.wireMessageBytesMax);
      if (
        !isHeight(m?.from) ||
        m.from < 1 ||
        !Array.isArray(m.blocks) ||
        m.blocks.length > limits.syncBatchBlocksMax ||
        !m.blocks.every((b) => b instanceof Uint8Array)
      ) {
        throw botError(
          'MALFORMED',
          `A sync answer holds at most ${limits.syncBatchBlocksMax} encoded blocks.`,
        );
      }
      return { kind: 'syncBlocks', from: m.from, blocks: m.blocks as Uint8Array[] };
    }
    case tags.batchRequest: {
      const m = decode<Record<string, unknown>>(body, 256);
      if (
        !isHeight(m?.id) ||
        typeof m.device !== 'string' ||
        !m.device.startsWith('did:key:z') ||
        m.device.length > 64 ||
        !(m.digest instanceof Uint8Array) ||
        m.digest.length !== 32
      ) {
        throw botError(
          'MALFORMED',
          'A batch request names a request id, a device did and a 32-byte digest.',
        );
      }
      return { kind: 'batchRequest', id: m.id, device: m.device, digest: m.digest };
    }
    case tags.batchAnswer: {
      const m = decode<Record<string, unknown>>(body, limits.deviceBatchBytesMax + 1024);
      const error = m?.error as Record<string, unknown> | null | undefined;
      const errorOk =
        error === null ||
        (typeof error === 'object' &&
          typeof error?.code === 'string' &&
          error.code.length <= 32 &&
          typeof error.message === 'string' &&
          error.message.length <= 500);
      if (
        !isHeight(m?.id) ||
        !(m.samples === null || m.samples instanceof Uint8Array) ||
        !errorOk ||
        (m.samples === null) === (error === null)
      ) {
        throw botError('MALFORMED', 'A batch answer carries the samples or a refusal.');
      }
      return {
        kind: 'batchAnswer',
        id: m.id,
        samples: m.samples as Uint8Array | null,
        error: (error ?? null) as { code: string; message: string } | null,
      };
    }
    case tags.join: {
      const m = decode<Record<string, unknown>>(body, 512);
      if (typeof m !== 'object' || m === null || !('invite' in m))
        throw botError('MALFORMED', 'A join request carries an invite token (or null).');
      if (m.invite !== null) checkInviteToken(m.invite);
      return { kind: 'join', invite: m.invite as InviteToken | null };
    }
    case tags.syncHeaders: {
      const m = decode<Record<string, unknown>>(body, limits.wireMessageBytesMax);
      if (
        !isHeight(m?.from) ||
        m.from < 1 ||
        !Array.isArray(m.headers) ||
        m.headers.length > limits.syncBatchBlocksMax
      ) {
        throw botError(
          'MALFORMED',
          `A header-only sync answer holds at most ${limits.syncBatchBlocksMax} signed headers.`,
        );
      }
      const headers = m.headers.map((entry: unknown) => {
        const e = entry as Record<string, unknown> | null;
        if (typeof e !== 'object' || e === null || Object.keys(e).length !== 2)
          throw botError('MALFORMED', 'A signed header is a map { header, cert }.');
        return { header: checkHeader(e.header), cert: checkCertificate(e.cert) };
      });
      return { kind: 'syncHeaders', from: m.from, headers };
    }
    case tags.blobGet: {
      const m = decode<Record<string, unknown>>(body, 256);
      if (!isHeight(m?.id) || !(m.blob instanceof Uint8Array) || m.blob.length !== 32)
        throw botError('MALFORMED', 'A blob request names a request id and a 32-byte hash.');
      return { kind: 'blobGet', id: m.id, blob: m.blob };
    }
    case tags.blobData: {
      const fast = blobDataOf(body);
      if (fast) return fast;
      const m = decode<Record<string, unknown>>(body, blobBytesMax + 1024);
      const error = m?.error as Record<string, unknown> | null | undefined;
      if (
        !isHeight(m?.id) ||
        !(m.bytes === null || m.bytes instanceof Uint8Array) ||
        !refusalOk(error) ||
        (m.bytes === null) === (error === null)
      )
        throw botError('MALFORMED', 'A blob answer carries the bytes or a refusal.');
      return {
        kind: 'blobData',
        id: m.id,
        bytes: m.bytes as Uint8Array | null,
        error: (error ?? null) as { code: string; message: string } | null,
      };
    }
    case tags.blobPush: {
      const fast = blobPushOf(body);
      if (fast) return fast;
      const m = decode<Record<string, unknown>>(body, blobBytesMax + 1024);
      if (
        !isHeight(m?.id) ||
        !(m.blob instanceof Uint8Array) ||
        m.blob.length !== 32 ||
        !(m.bytes instanceof Uint8Array) ||
        m.bytes.length > blobBytesMax
      )
        throw botError(
          'MALFORMED',
          'A pushed chunk names a request id, its 32-byte hash and bytes.',
        );
      return { kind: 'blobPush', id: m.id, blob: m.blob, bytes: m.bytes };
    }
    case tags.blobPushed: {
      const m = decode<Record<string, unknown>>(body, 1024);
      const error = m?.error as Record<string, unknown> | null | undefined;
      if (!isHeight(m?.id) || !refusalOk(error))
        throw botError('MALFORMED', 'A push answer names its request id and a refusal or null.');
      return {
        kind: 'blobPushed',
        id: m.id,
        error: (error ?? null) as { code: string; message: string } | null,
      };
    }
    case tags.lightGet: {
      const m = decode<Record<string, unknown>>(body, 1024);
      if (
        !isHeight(m?.id) ||
        !isHeight(m.from) ||
        m.from < 1 ||
        !isHeight(m.count) ||
        m.count > lightClientUpdatesMax ||
        !(
          m.key === null ||
          (typeof m.key === 'string' && m.key.length <= limits.dataKeyBytesMax + 16)
        ) ||
        !(m.raw === undefined || typeof m.raw === 'boolean') ||
        !(
          m.tx === undefined ||
          m.tx === null ||
          (typeof m.tx === 'string' && /^[0-9a-f]{64}$/.test(m.tx))
        )
      )
        throw botError(
          'MALFORMED',
          `A light request names an id, from >= 1, a count up to ${lightClientUpdatesMax}, a key or null, and a transaction id or null.`,
        );
      return {
        kind: 'lightGet',
        id: m.id,
        from: m.from,
        count: m.count,
        key: m.key,
        raw: m.raw === true,
        tx: (m.tx ?? null) as string | null,
      };
    }
    case tags.lightData: {
      const m = decode<Record<string, unknown>>(body, limits.wireMessageBytesMax);
      const error = m?.error as Record<string, unknown> | null | undefined;
      if (
        !isHeight(m?.id) ||
        !isHeight(m.head) ||
        !Array.isArray(m.updates) ||
        m.updates.length > lightClientUpdatesMax ||
        !refusalOk(error) ||
        !readRolesOk(m.readRoles)
      )
        throw botError(
          'MALFORMED',
          `A light answer holds at most ${lightClientUpdatesMax} header updates, a proof or null, at most ${limits.lightReadRolesListedMax} read roles, and a refusal or null.`,
        );
      return {
        kind: 'lightData',
        id: m.id,
        head: m.head,
        updates: m.updates,
        proof: lightProofOf(m.proof),
        absence: lightAbsenceOf(m.absence),
        inclusion: inclusionOf(m.inclusion),
        readRoles: (m.readRoles ?? null) as string[] | null,
        error: (error ?? null) as { code: string; message: string } | null,
      };
    }
    default:
      throw botError('UNKNOWN_TYPE', `Unknown message tag ${bytes[0]}.`);
  }
}
