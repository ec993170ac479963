// The capability modules of the chain, in order: a block makes their overlays and finishes them
// in this order (its state writes follow it). A new capability is a folder next to this file and
// one line here; the ledger and the transaction checks find its types through this table.
import { registryOf, type TxModule } from './module';
import { dataModule } from './data';
import { governanceModule } from './governance';
import { devicesModule } from './devices';
import { contractsModule } from './contracts';
import { datasetsModule } from './datasets';
import { analyticsModule } from './analytics';
import { tokensModule } from './tokens';
import { stakingModule } from './staking';

import { traceModule } from './trace';
import { blocklistModule } from './blocklist';
import { xchainModule } from './xchain';

import { itsModule } from './its';

import { marketModule } from './market';
import { multisigModule } from './multisig';
import { validationModule } from './validation';
import { servicesModule } from './services';

export const txModules = [
  dataModule, // data.put, data.delete: ./data
  governanceModule, // member.*, evidence.submit, chain.upgrade: ./governance
  devicesModule, // device.*: ./devices
  contractsModule, // contract.deploy, contract.call: ./contracts
  datasetsModule, // identity.x25519, dataset.*: ./datasets (issue 15)
  analyticsModule, // analytics.*: ./analytics (issue 15, Y.4560 8.2 distributed analytics)
  stakingModule, // stake.bond, stake.unbond: ./staking (issue 16; before tokens: it moves tokens at block end)
  tokensModule, // token.transfer, token.mint: ./tokens (issue 16)

  traceModule, // trace.*: ./trace (issue 17, Y.4560 I.1)
  blocklistModule, // device.report, device.unblock: ./blocklist (issue 17, Y.4464 II.2)
  xchainModule, // xchain.*: ./xchain (issue 18, Y.4560 7.2.3, 10.2)

  itsModule, // its.*: ./its (issue 20, Y.4464 II.3)

  marketModule, // market.*: ./market (issue 16, Y.4560 8.3, 9.7)
  multisigModule, // multisig.*: ./multisig (issue 16, D-8-data)
  validationModule, // data.validate: ./validation (issue 17, Y.4560 9.4, D-9.4)
  servicesModule, // service.*: ./services (issue 17, Y.4464 10.5)
] as const;

export const txRegistry = registryOf(txModules);

type StateOf<M> = M extends TxModule<infer S, infer _O> ? S : never;

/** The module states a ChainState holds, one field per module (absent: the module's empty state). */
export type ModuleStates = {
  readonly [M in (typeof txModules)[number] as M['name']]?: StateOf<M>;
};
