// Gateways against hijacked devices (Y.4464 II.2, issue 17): a gateway that sees a device attack
// (a flood of messages, a bad pattern) reports it; when reports from enough distinct gateways
// agree (policy devices.blockThreshold, default 2), the device is blocked: no block may hold a
// transaction it signed (readings, messages, contract calls), and every gateway refuses its
// traffic at the transport (worker/host/devices-host.ts). The device's gateway or its owner lifts
// the block once the device is fixed; its reports are then cleared.
//   device.report { device, reason, rate? }   a registered gateway (the gateway of a device)
//   device.unblock { device, note }           the device's gateway or owner, while blocked
// State: blocklist/<device> = { reports, blocked, lifted } (every step stays in the key's history).
import { decode, encode } from '../../codec';
import { botError, type BotError } from '../../errors';
import * as limits from '../../limits';
import { isPlainObject, onlyFields } from '../../body';
import type { Tx } from '../../tx-shape';
import type { BlockContext, BodyRules, TxModule } from '../module';
import { deviceIn, devicesModule, type DeviceOverlay } from '../devices';
import { blockThresholdDefault, governanceModule } from '../governance';

export const blocklistPrefix = 'blocklist/';
export const blocklistTxTypes = ['device.report', 'device.unblock'] as const;

export interface DeviceReport {
  gateway: string;
  reason: string;
  /** Messages per minute the gateway saw, when it measured a rate. */
  rate: number | null;
  height: number;
  tx: string;
}

export interface BlockRecord {
  device: string;
  /** Reports since the device was last lifted, one per gateway. */
  reports: DeviceReport[];
  /** Height of the block in which the reports reached the threshold, or null. */
  blocked: number | null;
  /** The last lift: who and when (kept after the reports are cleared). */
  lifted: { height: number; by: string; note: string; tx: string } | null;
}

export interface Blocklist {
  /** Devices with reports or blocked. */
  readonly records: ReadonlyMap<string, BlockRecord>;
}

interface BlocklistOverlay {
  records: Map<string, BlockRecord>;
  touched: Set<string>;
}

function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('did:key:z') && value.length <= 64;
}

function checkText(value: unknown, field: string): void {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > limits.blocklistReasonLengthMax ||
    /[\u0000-\u001f\u007f]/.test(value)
  )
    throw botError(
      'BAD_FIELD_TYPE',
      `${field} is text of 1 to ${limits.blocklistReasonLengthMax} characters, without control characters.`,
    );
}

const reportRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A device.report body must be a map { device, reason, rate? }.');
    onlyFields(body, ['device', 'reason', 'rate'], 'device.report');
    if (!isDid(body.device)) throw botError('BAD_FIELD_TYPE', 'device must be a did:key.');
    checkText(body.reason, 'reason');
    if (
      body.rate !== undefined &&
      !(typeof body.rate === 'number' && Number.isSafeInteger(body.rate) && body.rate >= 0)
    )
      throw botError('BAD_FIELD_TYPE', 'rate is a whole number of messages per minute.');
  },
};

const unblockRules: BodyRules = {
  check(body) {
    if (!isPlainObject(body))
      throw botError('MALFORMED', 'A device.unblock body must be a map { device, note }.');
    onlyFields(body, ['device', 'note'], 'device.unblock');
    if (!isDid(body.device)) throw botError('BAD_FIELD_TYPE', 'device must be a did:key.');
    checkText(body.note, 'note');
  },
};

/** Is `did` a registered gateway: the gateway of a device that is not retired? */
function isGateway(devices: DeviceOverlay, did: string): boolean {
  for (const did2 of new Set([...devices.base.devices.keys(), ...devices.devices.keys()])) {
    const record = deviceIn(devices, did2)!;
    if (record.gateway === did && record.status !== 'retired') return true;
  }
  return false;
}

/** Distinct gateways whose reports block a device (policy devices.blockThreshold). */
export function blockThresholdOf(policies: ReadonlyMap<string, unknown> | undefined): number {
  const value = policies?.get('devices.blockThreshold');
  return typeof value === 'number' ? value : blockThresholdDefault;
}

function applyBlocklistTx(
  overlay: BlocklistOverlay,
  tx: Tx,
  txId: string,
  block: BlockContext,
): void {
  const devices = block.overlayOf(devicesModule);
  const body = tx.body as { device: string; reason?: string; rate?: number; note?: string };
  const device = deviceIn(devices, body.device);
  if (!device) throw botError('NOT_FOUND', `No device ${body.device} is registered on this chain.`);
  const current = overlay.records.get(body.device) ?? {
    device: body.device,
    reports: [],
    blocked: null,
    lifted: null,
  };
  if (tx.type === 'device.report') {
    if (!isGateway(devices, tx.from))
      throw botError(
        'UNAUTHORIZED',
        'Only a gateway (the gateway of a registered device) reports a device.',
      );
    if (current.blocked !== null)
      throw botError('BAD_REQUEST', `Device ${body.device} is already blocked.`);
    if (current.reports.some((r) => r.gateway === tx.from))
      throw botError('BAD_REQUEST', `This gateway has already reported device ${body.device}.`);
    if (current.reports.length >= limits.blocklistReportsMax)
      throw botError(
        'TOO_LARGE',
        `Device ${body.device} has ${limits.blocklistReportsMax} reports.`,
      );
    const reports = [
      ...current.reports,
      {
        gateway: tx.from,
        reason: body.reason!,
        rate: body.rate ?? null,
        height: block.height,
        tx: txId,
      },
    ];
    const threshold = blockThresholdOf(block.overlayOf(governanceModule).policies);
    const blocked = reports.length >= threshold ? block.height : null;
    overlay.records.set(body.device, { ...current, reports, blocked });
  } else {
    if (tx.from !== device.gateway && tx.from !== device.owner)
      throw botError(
        'UNAUTHORIZED',
        `Only the gateway or the owner of device ${body.device} lifts its block.`,
      );
    if (current.blocked === null)
      throw botError('BAD_REQUEST', `Device ${body.device} is not blocked.`);
    overlay.records.set(body.device, {
      ...current,
      reports: [],
      blocked: null,
      lifted: { height: block.height, by: tx.from, note: body.note!, tx: txId },
    });
  }
  overlay.touched.add(body.device);
}

/** Is `device` blocked in this state? */
export function isBlocked(state: Blocklist | undefined, device: string): boolean {
  const record = state?.records.get(device);
  return record !== undefined && record.blocked !== null;
}

export function blockedError(record: BlockRecord): BotError {
  return botError(
    'UNAUTHORIZED',
    `Device ${record.device} is blocked on this chain since block ${record.blocked} (reported by ${record.reports.length} gateways: ${record.reports.map((r) => r.reason).join('; ')}); no gateway takes its traffic until its gateway or owner lifts the block.`,
  );
}

export function decodeBlockRecord(bytes: Uint8Array): BlockRecord {
  return decode<BlockRecord>(bytes, 1 << 16);
}

export const blocklistModule: TxModule<Blocklist, BlocklistOverlay, 'blocklist'> = {
  name: 'blocklist',
  txTypes: blocklistTxTypes,
  bodyRules: { 'device.report': reportRules, 'device.unblock': unblockRules },
  empty: () => ({ records: new Map() }),
  overlay: (state) => ({ records: new Map(state.records), touched: new Set() }),
  apply: applyBlocklistTx,
  finish(overlay, end) {
    for (const device of overlay.touched) {
      const record = overlay.records.get(device)!;
      end.writes.set(blocklistPrefix + device, encode(record));
      if (record.blocked === null && record.reports.length === 0) overlay.records.delete(device);
    }
    return { records: overlay.records };
  },
  load: {
    prefixes: [blocklistPrefix],
    fromEntries(entries) {
      const records = new Map<string, BlockRecord>();
      for (const [, bytes] of entries) {
        const record = decodeBlockRecord(bytes);
        if (record.blocked !== null || record.reports.length > 0)
          records.set(record.device, record);
      }
      return { records };
    },
  },
  refuses(state, tx) {
    const record = state.records.get(tx.from);
    return record && record.blocked !== null ? blockedError(record) : null;
  },
  views: { isBlocked, decodeBlockRecord },
};
