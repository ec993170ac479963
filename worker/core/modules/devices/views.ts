// Decoding stored device entries, rebuilding the registry at load, and who may read a device.
import { decode } from '../../codec';
import * as limits from '../../limits';
import {
  accessPrefix,
  devicePrefix,
  type AccessEvent,
  type AccessRecord,
  type DeviceRecord,
  type DeviceRegistry,
  type MessageRecord,
  type ReadingRecord,
} from './types';

const recordBytesMax = 64 * 1024;

export function decodeDeviceRecord(bytes: Uint8Array): DeviceRecord {
  return decode<DeviceRecord>(bytes, recordBytesMax);
}

export function decodeAccessRecord(bytes: Uint8Array): AccessRecord {
  return decode<AccessRecord>(bytes, recordBytesMax);
}

/** The readings one block wrote for one device. */
export function decodeReadings(bytes: Uint8Array): ReadingRecord[] {
  return decode<{ h: number; r: ReadingRecord[] }>(bytes, limits.blockBytesMax).r;
}

/** The access events one block wrote for one device. */
export function decodeAccessLog(bytes: Uint8Array): AccessEvent[] {
  return decode<{ h: number; e: AccessEvent[] }>(bytes, limits.blockBytesMax).e;
}

/** The messages one block delivered to one device. */
export function decodeMessages(bytes: Uint8Array): MessageRecord[] {
  return decode<{ h: number; m: MessageRecord[] }>(bytes, limits.blockBytesMax).m;
}

/** Rebuild the registry from stored entries (dev/device/ and dev/access/; others are ignored). */
export function registryFromEntries(
  entries: Iterable<readonly [string, Uint8Array]>,
): DeviceRegistry {
  const devices = new Map<string, DeviceRecord>();
  const open = new Map<string, AccessRecord>();
  for (const [key, bytes] of entries) {
    if (key.startsWith(devicePrefix))
      devices.set(key.slice(devicePrefix.length), decodeDeviceRecord(bytes));
    else if (key.startsWith(accessPrefix)) {
      const record = decodeAccessRecord(bytes);
      if (record.state === 'pending' || record.state === 'granted') open.set(record.id, record);
    }
  }
  return { devices, open };
}

/** Whether `did` may read the device now: its owner, its gateway, or a granted requester. */
export function mayRead(registry: DeviceRegistry, device: string, did: string): boolean {
  const record = registry.devices.get(device);
  if (!record) return false;
  if (did === record.owner || did === record.gateway) return true;
  for (const r of registry.open.values())
    if (r.device === device && r.requester === did && r.state === 'granted') return true;
  return false;
}
