// A contract tells a device through the chain (Y.4464 II.4, issue 16): an event a contract call
// emits as { to: <device did>, ... } is addressed to that device. After each committed block the
// device's gateway finds the events addressed to the devices it is the gateway of, in the calls
// the block recorded (ct/calls/<contract> at that height), and tells its page with a `device`
// notice of kind `contract` (the bundled supplier contract, supplier-contract.ts, tells the
// supplier's device of each order this way). The notice names the contract and the caller; what
// the event says is the contract's own claim, as its code on chain decides.
import type { Block } from '../core/block';
import type { ChainState } from '../core/ledger';
import { contractCallsPrefix, decodeContractCalls } from '../core/modules/contracts';
import type { DeviceNotice, PeerEvent } from '../api';
import type { Storage } from '../store/storage';

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

/** Tell the page of the events of `block`'s contract calls addressed to this gateway's devices. */
export async function tellDevices(
  deps: ContractNoticesDeps,
  block: Block,
  txIds: string[],
): Promise<number> {
  const chain = deps.chain();
  const registry = chain.devices?.devices;
  if (!registry) return 0;
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
    for (const call of decodeContractCalls(version.entry)) {
      if (!ids.has(call.tx)) continue;
      for (const event of call.events) {
        if (typeof event !== 'object' || event === null || Array.isArray(event)) continue;
        const to = (event as Record<string, unknown>).to;
        if (typeof to !== 'string' || registry.get(to)?.gateway !== me) continue;
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
  }
  return told;
}
