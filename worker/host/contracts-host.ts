// Contracts for the page (R-7.2.1-a, P-10.2): deploy and call as this peer, list deployments, read a
// contract's state and call history. Each transaction is run against the committed state before
// it is signed (precheckTx: the same sandbox as in a block), so a call that would throw or hit a
// limit is refused here with its typed error and never reaches the mempool.
import { loadEngine } from './lazy-contract-runtime';
import { botError } from '../core/errors';
import { checkTx, type UnsignedTx } from '../core/tx';
import { precheckTx, type ChainState } from '../core/ledger';
import {
  checkContractName,
  contractCallsPrefix,
  decodeContractCalls,
  emptyContracts,
  versionsOf,
  type ContractRecord,
} from '../core/modules/contracts';
import { utf8 } from '../core/bytes';
import * as limits from '../core/limits';
import type { Storage } from '../store/storage';
import type {
  ContractCallView,
  ContractDetailView,
  ContractView,
  ScheduleTriggerRequest,
  TriggerView,
} from '../api';

export interface ContractsHostDeps {
  storage: Storage;
  chain(): ChainState;
  self(): string;
  submit(request: { type: string; body: unknown }): Promise<{ txId: string }>;
  now(): number;
}

export class ContractsHost {
  constructor(private readonly deps: ContractsHostDeps) {}

  private async submitChecked(type: string, body: unknown): Promise<{ txId: string }> {
    await loadEngine(this.deps.chain().contractRuntime); // the precheck runs the contract
    const chain = this.deps.chain();
    const unsigned: UnsignedTx = {
      chain: chain.chainId,
      type,
      from: this.deps.self(),
      nonce: 1,
      time: this.deps.now(),
      body,
    };
    const error = precheckTx(chain, checkTx({ ...unsigned, sig: new Uint8Array(64) }));
    if (error) throw error;
    return this.deps.submit({ type, body });
  }

  async deployContract(request: { name: string; code: string }): Promise<{ txId: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError('BAD_REQUEST', 'deployContract takes { name, code }.');
    return this.submitChecked('contract.deploy', { name: request.name, code: request.code });
  }

  async upgradeContract(request: {
    name: string;
    code: string;
    proposal?: string;
  }): Promise<{ txId: string }> {
    const voted = request.proposal === undefined ? {} : { proposal: request.proposal };
    return this.submitChecked('contract.upgrade', {
      name: request.name,
      code: request.code,
      ...voted,
    });
  }

  async retireContract(request: {
    name: string;
    note: string;
    proposal?: string;
  }): Promise<{ txId: string }> {
    const voted = request.proposal === undefined ? {} : { proposal: request.proposal };
    return this.submitChecked('contract.retire', {
      name: request.name,
      note: request.note,
      ...voted,
    });
  }

  async callContract(
    contract: string,
    method: string,
    args: unknown = null,
    options?: { pay?: number },
  ): Promise<{ txId: string }> {
    const body: Record<string, unknown> = { contract, method, args: args ?? null };
    if (options?.pay !== undefined) body.pay = options.pay;
    return this.submitChecked('contract.call', body);
  }

  async scheduleTrigger(
    request: ScheduleTriggerRequest,
  ): Promise<{ txId: string; trigger: string }> {
    if (typeof request !== 'object' || request === null)
      throw botError(
        'BAD_REQUEST',
        'scheduleTrigger takes { contract, method, args?, at?, every?, count? }.',
      );
    const body: Record<string, unknown> = {
      contract: request.contract,
      method: request.method,
      args: request.args ?? null,
    };
    for (const field of ['at', 'every', 'count'] as const)
      if (request[field] !== undefined) body[field] = request[field];
    const { txId } = await this.submitChecked('contract.schedule', body);
    return { txId, trigger: txId };
  }

  async cancelTrigger(request: { trigger: string }): Promise<{ txId: string }> {
    return this.submitChecked('contract.unschedule', { trigger: request.trigger });
  }

  async triggers(contract?: string): Promise<TriggerView[]> {
    if (contract !== undefined) checkContractName(contract);
    const registry = this.deps.chain().contracts ?? emptyContracts();
    return [...(registry.triggers?.values() ?? [])]
      .filter((t) => contract === undefined || t.contract === contract)
      .sort((a, b) => a.height - b.height || (a.id < b.id ? -1 : 1))
      .slice(-limits.contractListedMax)
      .map((t) => ({
        id: t.id,
        contract: t.contract,
        method: t.method,
        args: t.args,
        by: t.by,
        height: t.height,
        next: t.ended ? null : t.next,
        every: t.every,
        left: t.left,
        runs: t.runs,
        last: t.last,
        ended: t.ended,
      }));
  }

  contracts(): ContractView[] {
    const registry = this.deps.chain().contracts ?? emptyContracts();
    return [...registry.contracts.values()]
      .sort((a, b) => a.height - b.height || (a.name < b.name ? -1 : 1))
      .slice(-limits.contractListedMax)
      .map(view);
  }

  async contract(name: string): Promise<ContractDetailView | null> {
    checkContractName(name);
    const chain = this.deps.chain();
    const registry = chain.contracts ?? emptyContracts();
    const record = registry.contracts.get(name);
    if (!record) return null;
    const prefix = name + '/';
    const state = [...registry.state]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, json]) => ({ key: k.slice(prefix.length), value: JSON.parse(json) as unknown }));
    state.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const versions = await this.deps.storage.history(chain.chainId, contractCallsPrefix + name);
    const calls: ContractCallView[] = [];
    for (let i = versions.length - 1; i >= 0 && calls.length < limits.contractListedMax; i--) {
      const list = decodeContractCalls(versions[i]!.entry);
      for (let j = list.length - 1; j >= 0 && calls.length < limits.contractListedMax; j--) {
        const c = list[j]!;
        calls.push({
          txId: c.tx,
          height: c.height,
          caller: c.caller,
          device: c.device,
          method: c.method,
          ...(c.trigger ? { trigger: c.trigger } : {}),
          result: c.result,
          events: c.events,
        });
      }
    }
    return {
      ...view(record),
      code: record.code,
      versions: versionsOf(record).map((v) => ({
        version: v.version,
        height: v.height,
        txId: v.tx,
        by: v.by,
        codeHash: v.codeHash,
        methods: v.methods,
        ...(v.proposal ? { proposal: v.proposal } : {}),
      })),
      state: state.slice(0, limits.contractListedMax),
      calls: calls.reverse(),
    };
  }
}

function view(r: ContractRecord): ContractView {
  return {
    name: r.name,
    owner: r.owner,
    methods: r.methods,
    height: r.height,
    txId: r.tx,
    codeBytes: utf8(r.code).length,
    version: r.version ?? 1,
    retired: r.retired
      ? { height: r.retired.height, by: r.retired.by, note: r.retired.note, txId: r.retired.tx }
      : null,
  };
}
