// Devices on chain, with the peer as their gateway (ITU-T Y.4464 10.6 and 10.7): registration,
// status, access policy and requests, readings and device-to-device messages. Records and
// prefixes in ./types.ts, body rules in ./rules.ts, state transition in ./apply.ts, decoding and
// read rules in ./views.ts.
import type { TxModule } from '../module';
import { applyDeviceTx, deviceOverlayOf, finishDevices, type DeviceOverlay } from './apply';
import { deviceBodyRules } from './rules';
import { deviceTxTypes, emptyDevices, type DeviceRegistry } from './types';
import {
  decodeAccessLog,
  decodeAccessRecord,
  decodeDeviceRecord,
  decodeMessages,
  decodeReadings,
  mayRead,
  registryFromEntries,
} from './views';

export * from './types';
export * from './views';
export { checkPolicy, registerProofBytes } from './rules';
export { deviceIn, type DeviceOverlay } from './apply';

export const devicesModule: TxModule<DeviceRegistry, DeviceOverlay, 'devices'> = {
  name: 'devices',
  txTypes: deviceTxTypes,
  bodyRules: deviceBodyRules,
  empty: emptyDevices,
  overlay: (state, block) => deviceOverlayOf(state, block.chain.chainId),
  apply(overlay, tx, txId, block) {
    const error = applyDeviceTx(overlay, tx, txId, block.height);
    if (error) throw error;
  },
  finish: (overlay, end) => finishDevices(overlay, end.height, end.writes),
  load: { prefixes: ['dev/'], fromEntries: registryFromEntries },
  admits: (state, did) => state.devices.has(did),
  views: {
    mayRead,
    decodeDeviceRecord,
    decodeAccessRecord,
    decodeReadings,
    decodeAccessLog,
    decodeMessages,
  },
};
