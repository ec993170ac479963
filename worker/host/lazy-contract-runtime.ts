// The contract engine, loaded when a step may first need it, not at every peer's start.
// Loading it (QuickJS's wasm fetched, metered, compiled, instantiated and warmed up) was about a
// third of a tab's start (~0.9 s of 2.5 s on the 2-core box, BENCHMARKS.md "Test time: the peer
// start"), and most peers never run a contract. The core calls the engine synchronously inside a
// step, so the host loads it before any step that may run one (contractsMayRun) and asserts that
// it did (PeerHost.stepOnly): a step is never run with an engine that is missing, which would
// refuse a contract where other peers run it.
import { botError } from '../core/errors';
import type { PeerInput } from '../core/consensus/types';
import type { ChainState } from '../core/ledger';
import type {
  ContractCheckResult,
  ContractContext,
  ContractHostCalls,
  ContractRunResult,
  ContractRuntime,
} from '../core/modules/contracts';
import { contractTxTypes } from '../core/modules/contracts/types';
import type { Tx } from '../core/tx';

const contractTypes: ReadonlySet<string> = new Set(contractTxTypes);

const isContractTx = (tx: Tx): boolean => contractTypes.has(tx.type);

/** The transactions an input carries into the core (a submission, gossip, a block). */
function txsOf(input: PeerInput): readonly Tx[] {
  if (input.kind === 'submit') return [input.tx];
  if (input.kind !== 'message') return [];
  const message = input.message;
  switch (message.type) {
    case 'tx':
      return [message.tx];
    case 'proposal':
    case 'commit':
      return message.block.txs;
    default:
      return [];
  }
}

/** The chain holds a contract or a trigger: any transaction or tick may run one. */
function holdsContracts(chain: ChainState): boolean {
  return (chain.contracts?.contracts.size ?? 0) > 0 || (chain.contracts?.triggers?.size ?? 0) > 0;
}

/**
 * Whether the core may run a contract while it steps `input` on `chain`: a contract is deployed
 * (calls, triggers and devices' calls reach it), or the input carries a contract transaction.
 * Every other way a contract runs goes through one of these first: a block built from the
 * mempool holds transactions that came in by submission or gossip, and a block decided by votes
 * came in by a proposal.
 */
export function contractsMayRun(chain: ChainState, input: PeerInput): boolean {
  return holdsContracts(chain) || txsOf(input).some(isContractTx);
}

/**
 * Load the engine of `chain` now if it holds contracts (ChainsService.load): a precheck of a
 * device's or a peer's transaction (precheckTx) may run one before any step does.
 */
export async function loadEngineIfContracts(chain: ChainState): Promise<void> {
  const engine = chain.contractRuntime;
  if (engine instanceof LazyContractRuntime && !engine.loaded && holdsContracts(chain))
    await engine.load();
}

/** Load `engine` if it is a lazy one not loaded yet (before a contract transaction's precheck). */
export function loadEngine(engine: ContractRuntime | null | undefined): Promise<void> {
  return engine instanceof LazyContractRuntime ? engine.load() : Promise.resolve();
}

/** A ContractRuntime that loads the real one on `load()`; used before that, it throws INTERNAL. */
export class LazyContractRuntime implements ContractRuntime {
  private engine: ContractRuntime | null = null;
  private loading: Promise<void> | null = null;

  constructor(private readonly loadEngine: () => Promise<ContractRuntime>) {}

  get loaded(): boolean {
    return this.engine !== null;
  }

  /** Load the engine (once; later calls wait for the same load). */
  load(): Promise<void> {
    this.loading ??= this.loadEngine().then((engine) => {
      this.engine = engine;
    });
    return this.loading;
  }

  private loadedEngine(): ContractRuntime {
    if (this.engine) return this.engine;
    throw botError(
      'INTERNAL',
      'The contract engine was used before it was loaded (a step that may run a contract must load it first).',
    );
  }

  get name(): string {
    return this.loadedEngine().name;
  }

  get lastRunSteps(): number {
    return this.loadedEngine().lastRunSteps;
  }

  check(code: string): ContractCheckResult {
    return this.loadedEngine().check(code);
  }

  call(
    code: string,
    method: string,
    argsJson: string,
    ctx: ContractContext,
    host: ContractHostCalls,
  ): ContractRunResult {
    return this.loadedEngine().call(code, method, argsJson, ctx, host);
  }
}
