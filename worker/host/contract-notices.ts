// A contract tells a device through the chain (Y.4464 II.4, issue 16): an event a contract call
// emits as { to: <device did>, ... } is addressed to that device. After each committed block the
// device's gateway finds the events addressed to the devices it is the gateway of, in the calls
// the block recorded (ct/calls/<contract> at that height), and tells its page with a `device`
// notice of kind `contract` (the bundled supplier contract, supplier-contract.ts, tells the
// supplier's device of each order this way). The notice names the contract and the caller; what
// the event says is the contract's own claim, as its code on chain decides. Any contract may
// address any device, so a gateway tells its page at most contractNoticesPerDeviceBlockMax
// notices per contract and device in one block (limits.ts) and drops and counts the rest.
import type { Block } from '../core/block';
import type { ChainState } from '../core/ledger';
import { contractCallsPrefix, decodeContractCalls } from '../core/modules/contracts';
import type { DeviceNotice, PeerEvent } from '../api';
import type { Storage } from '../store/storage';
import { contractNoticesPerDeviceBlockMax } from '../core/limits';

export interface ContractNoticesDeps {
  storage: Storage;
  chain(): ChainState;
  self(): string;
  emit(event: PeerEvent): void;
}

/** Whether a committed block may hold calls whose events address a device. */
export function mayTellDevices(block: Block): boolean {
  return block.txs.some((t) => t.type === 'contract.call');
}

/** The text of a contract's event for the page: an order is spelled out, others as JSON. */
function noticeText(contract: string, caller: string, event: Record<string, unknown>): string {
  const order = event.order as
    | { id?: unknown; item?: unknown; quantity?: unknown; paid?: unknown; device?: unknown }
    | undefined;
  if (event.kind === 'order' && order && typeof order === 'object')
    return `Order ${String(order.id)} from device ${String(order.device ?? caller)}: ${String(order.quantity)} × ${String(order.item)}, paid ${String(order.paid)} (contract "${contract}").`;
  return `Contract "${contract}" (called by ${caller}): ${JSON.stringify(event).slice(0, 160)}`;
}

/** Notices of one block a gateway dropped over contractNoticesPerDeviceBlockMax: how many, per contract and device. */
export interface DroppedNotices {
  contract: string;
  device: string;
  count: number;
}

/**
 * Tell the page of the events of `block`'s contract calls addressed to this gateway's devices, at
 * most contractNoticesPerDeviceBlockMax per contract and device; what was told and what dropped.
 */
export async function tellDevices(
  deps: ContractNoticesDeps,
  block: Block,
  txIds: string[],
): Promise<{ told: number; dropped: DroppedNotices[] }> {
  const chain = deps.chain();
  const registry = chain.devices?.devices;
  const dropped: DroppedNotices[] = [];
  if (!registry) return { told: 0, dropped };
  const me = deps.self();
  const ids = new Set(txIds.filter((_, i) => block.txs[i]!.type === 'contract.call'));
  const contracts = new Set(
    block.txs
      .filter((t) => t.type === 'contract.call')
      .map((t) => (t.body as { contract: string }).contract),
  );
  let told = 0;
  for (const contract of [...contracts].sort()) {
    const versions = await deps.storage.history(chain.chainId, contractCallsPrefix + contract);
    const version = versions.find((v) => v.height === block.header.height);
    if (!version) continue;
    const perDevice = new Map<string, number>();
    for (const call of decodeContractCalls(version.entry)) {
      if (!ids.has(call.tx)) continue;
      for (const event of call.events) {
        if (typeof event !== 'object' || event === null || Array.isArray(event)) continue;
        const to = (event as Record<string, unknown>).to;
        if (typeof to !== 'string' || registry.get(to)?.gateway !== me) continue;
        const count = (perDevice.get(to) ?? 0) + 1;
        perDevice.set(to, count);
        if (count > contractNoticesPerDeviceBlockMax) continue;
        const notice: DeviceNotice = {
          kind: 'contract',
          device: to,
          requester: call.caller,
          service: contract,
          state: null,
          request: call.tx,
          digest: null,
          height: call.height,
          time: block.header.time,
          message: noticeText(contract, call.caller, event as Record<string, unknown>),
          body: event,
        };
        deps.emit({ type: 'device', notice });
        told++;
      }
    }
    for (const [device, count] of perDevice)
      if (count > contractNoticesPerDeviceBlockMax)
        dropped.push({ contract, device, count: count - contractNoticesPerDeviceBlockMax });
  }
  return { told, dropped };
}

/** The log line for notices a gateway dropped in the block at `height`. */
export function droppedText(height: number, d: DroppedNotices): string {
  return `Dropped ${d.count} notices of contract "${d.contract}" to device ${d.device} in block ${height}: a contract tells a device at most ${contractNoticesPerDeviceBlockMax} times a block (contractNoticesPerDeviceBlockMax).`;
}
