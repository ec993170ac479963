// The API dispatcher: every method's parameters are checked at the boundary, one bad-input case
// (at least) per method, and good parameters reach the handler unchanged.
import { describe, expect, it } from 'vitest';
import { BotError } from '../core/errors';
import * as limits from '../core/limits';
import { methodNames, type MethodName, type PeerMethods } from '../api';
import { apiMethods, dispatch } from './dispatch';
import { marketCases } from './dispatch-market.cases';
import { stakingCases } from './dispatch-staking.cases';
import { validationCases } from './dispatch-validation.cases';
import { analyticsCases } from './dispatch-analytics.cases';
import { servicesCases } from './dispatch-services.cases';
import { reorderCases } from './dispatch-reorder.cases';

import { peerLevelMethods } from './chain-scope';

const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const txId = 'ab'.repeat(32);

/** A peer that records what reached it. */
function recorder(): { peer: PeerMethods; calls: Array<{ name: string; args: unknown[] }> } {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  const peer = Object.fromEntries(
    methodNames.map((name) => [
      name,
      async (...args: unknown[]) => {
        calls.push({ name, args });
        return { answered: name };
      },
    ]),
  ) as unknown as PeerMethods;
  return { peer, calls };
}

type Case = { good: unknown[]; bad: Array<[unknown[], string]> };
const tooMany = (good: unknown[]): [unknown[], string] => [[...good, 1, 2, 3, 4, 5], 'takes'];

/** Per method: parameters that pass, and bad ones with a piece of the message they must get. */
const cases: Record<MethodName, Case> = {
  ready: { good: [], bad: [tooMany([])] },
  identity: { good: [], bad: [tooMany([])] },
  status: { good: [], bad: [[[{}], 'takes 0 parameters']] },
  submit: {
    good: [{ type: 'data.put', body: { key: 'k', value: 1 } }],
    bad: [
      [[], 'submit: request must be an object { type, body }'],
      [[{ type: 'data.put' }], 'submit: request.body is missing'],
      [[{ type: 5, body: {} }], 'submit: request.type must be a non-empty string'],
      [[{ type: 'x'.repeat(limits.txTypeLengthMax + 1), body: {} }], 'at most 64 characters'],
      [[{ type: 'data.put', body: {}, sig: 'x' }], 'request has no field "sig"'],
    ],
  },
  submitRaw: {
    good: [new Uint8Array([1, 2, 3])],
    bad: [
      [['0102'], 'submitRaw: bytes must be bytes'],
      [[new Uint8Array(limits.txBytesMax + 1)], `at most ${limits.txBytesMax}`],
    ],
  },
  waitFor: {
    good: [txId, { timeoutMs: 5 }],
    bad: [
      [['xyz'], 'waitFor: txId must be 64 lowercase hex digits'],
      [[txId, { timeoutMs: -1 }], 'waitFor: options.timeoutMs must be a whole number from 0'],
      [[txId, { timeoutMs: limits.waitTimeoutMsMax + 1 }], 'options.timeoutMs'],
      [[txId, { timeout: 5 }], 'options has no field "timeout"'],
    ],
  },
  block: {
    good: [3],
    bad: [
      [[-1], 'block: height must be a whole number from 0'],
      [['3'], 'block: height'],
      [[1.5], 'block: height'],
    ],
  },
  get: {
    good: ['room/1'],
    bad: [
      [[], 'get: key must be a non-empty string of at most 256 bytes'],
      [['é'.repeat(limits.dataKeyBytesMax / 2 + 1)], 'get: key must be'],
      [[''], 'get: key'],
    ],
  },
  absenceProof: {
    good: ['room/1'],
    bad: [
      [[], 'absenceProof: key must be a non-empty string'],
      [[{ key: 'k' }], 'absenceProof: key must be'],
    ],
  },
  shareSealed: { good: ['lab/'], bad: [[[7], 'shareSealed: prefix must be']] },
  history: { good: ['room/1'], bad: [[[7], 'history: key must be']] },
  integrity: { good: [], bad: [tooMany([])] },
  repair: { good: [], bad: [tooMany([])] },
  log: { good: [], bad: [tooMany([])] },
  exportAuditLog: { good: [], bad: [tooMany([])] },
  verifyAuditLog: {
    good: [{ entries: [] }, { anchor: { seq: 3, hash: txId } }],
    bad: [
      [['log'], 'verifyAuditLog: log must be an object'],
      [[{}, { anchor: { seq: -1, hash: txId } }], 'options.anchor.seq'],
    ],
  },
  createChain: {
    good: [{ name: 'lab', mode: 'consortium', consensus: 'bft', validators: [did], timeoutMs: 5 }],
    bad: [
      [[{ name: 'lab', mode: 'secret', consensus: 'bft' }], 'request.mode must be one of private'],
      [[{ name: '', mode: 'public', consensus: 'bft' }], 'request.name must be a non-empty'],
      [[{ name: 'lab', mode: 'public', consensus: 'raft' }], 'request.consensus'],
      [[{ name: 'lab', mode: 'public', consensus: 'bft', validators: [] }], 'validators'],
      [[{ name: 'lab', mode: 'public', consensus: 'bft', validators: ['bob'] }], 'validators[0]'],
      [
        [
          {
            name: 'lab',
            mode: 'public',
            consensus: 'bft',
            timeoutMs: limits.roundTimeoutMsMax + 1,
          },
        ],
        'request.timeoutMs',
      ],
    ],
  },
  join: {
    good: ['http://x/#/join/AAAA'],
    bad: [
      [[7], 'join: invite must be a non-empty string'],
      [['x'.repeat(limits.inviteLengthMax + 1)], `at most ${limits.inviteLengthMax} characters`],
    ],
  },
  invite: { good: [], bad: [tooMany([])] },
  inviteInfo: { good: ['AAAA'], bad: [[[null], 'inviteInfo: invite must be']] },
  chains: { good: [], bad: [tooMany([])] },
  useChain: {
    good: ['0123456789abcdef0123456789abcdef'],
    bad: [[['nope'], 'useChain: chainId must be 32 lowercase hex digits']],
  },
  leaveChain: {
    good: ['0123456789abcdef0123456789abcdef', { keepData: false }],
    bad: [
      [['nope'], 'leaveChain: chainId must be 32 lowercase hex digits'],
      [['0123456789abcdef0123456789abcdef', { keepData: 'no' }], 'keepData'],
    ],
  },
  network: { good: [], bad: [tooMany([])] },
  settings: { good: [], bad: [tooMany([])] },
  setSettings: {
    good: [{ relays: [] }],
    bad: [
      [[['wss://x']], 'setSettings: patch must be an object'],
      [[], 'setSettings: patch'],
    ],
  },
  governance: { good: [], bad: [tooMany([])] },
  setRole: {
    good: ['transact:data.put', [did]],
    bad: [
      [['', [did]], 'setRole: role must be a non-empty string'],
      [['deploy', 'everyone'], 'setRole: dids must be a list'],
      [['deploy', ['nobody']], 'setRole: dids[0] must be a did:key'],
      [['deploy'], 'setRole: dids'],
    ],
  },
  setPolicy: {
    good: ['data.valueBytesMax', 64],
    bad: [
      [['data.valueBytesMax', { n: 1 }], 'setPolicy: value must be a number, true or false'],
      [['', 1], 'setPolicy: name must be a non-empty string'],
    ],
  },
  setMember: {
    good: [did, true],
    bad: [
      [['nobody', true], 'setMember: did must be a did:key'],
      [[did, 'yes'], 'setMember: member must be'],
    ],
  },
  setMultisigRule: {
    good: [{ signers: [did], k: 1, types: [{ type: 'data.put' }] }],
    bad: [[['k of n'], 'setMultisigRule: policy must be']],
  },
  reportDevice: {
    good: [did, 'flood'],
    bad: [
      [['nobody', 'flood'], 'reportDevice: device must be a did:key'],
      [[did, ''], 'reportDevice: reason must be a non-empty string'],
      [[did, 'x'.repeat(limits.blocklistReasonLengthMax + 1)], 'at most 200 characters'],
    ],
  },
  unblockDevice: {
    good: [did, 'reflashed'],
    bad: [[[did], 'unblockDevice: note']],
  },
  blockedDevices: { good: [], bad: [tooMany([])] },
  exportIdentity: {
    good: ['correct horse'],
    bad: [
      [[1234], 'exportIdentity: passphrase must be a string'],
      [['p'.repeat(limits.passphraseLengthMax + 1)], `${limits.passphraseLengthMax} characters`],
    ],
  },
  importIdentity: {
    good: ['{"format":"bot-identity/v1"}', 'correct horse'],
    bad: [
      [['{}'], 'importIdentity: passphrase must be a string'],
      [['x'.repeat(limits.identityBackupLengthMax + 1), 'pass'], 'importIdentity: backup'],
    ],
  },
  reset: { good: [], bad: [tooMany([])] },
  devices: { good: [], bad: [tooMany([])] },
  registerDevice: {
    good: [
      { id: 'hr-1', kind: 'heart-rate', capabilities: ['heartRateBpm'], policy: { mode: 'open' } },
    ],
    bad: [
      [[{ id: 'hr-1', kind: 'toaster', capabilities: [] }], 'registerDevice: request.kind'],
      [[{ kind: 'sensor', capabilities: [] }], 'request.id must be a non-empty string'],
      [
        [
          {
            id: 'a',
            kind: 'sensor',
            capabilities: Array(limits.deviceCapabilitiesMax + 1).fill('x'),
          },
        ],
        'request.capabilities must be a list of at most',
      ],
      [[{ id: 'a', kind: 'sensor', capabilities: [], owner: 'me' }], 'request.owner'],
    ],
  },
  setDeviceStatus: {
    good: [did, 'offline', null],
    bad: [
      [[did, 'asleep'], 'setDeviceStatus: status must be one of online'],
      [[did, 'error', 'm'.repeat(limits.deviceStatusMessageLengthMax + 1)], 'message'],
      [['hr-1', 'online'], 'setDeviceStatus: device must be a did:key identity'],
    ],
  },
  setDevicePolicy: {
    good: [did, { mode: 'owner' }],
    bad: [[[did, 'open'], 'setDevicePolicy: policy must be an object']],
  },
  deviceReading: {
    good: [did, { values: { x: 1 } }],
    bad: [
      [[did, { values: 5 }], 'deviceReading: reading.values must be an object'],
      [[did, { values: {}, at: -5 }], 'reading.at'],
      [[did], 'deviceReading: reading'],
    ],
  },
  deviceReadingBatch: {
    good: [did, [{ values: { x: 1 }, at: 1 }]],
    bad: [
      [[did, []], 'deviceReadingBatch: samples must be a non-empty list'],
      [[did, [{ values: {}, at: 1 }, { values: {} }]], 'samples[1].at'],
    ],
  },
  deviceReadings: {
    good: [did, { limit: 60 }],
    bad: [[[did, { limit: limits.deviceListedMax + 1 }], 'deviceReadings: options.limit']],
  },
  requestDeviceAccess: {
    good: [did, { service: 'dashboard' }],
    bad: [
      [[did, { service: '' }], 'requestDeviceAccess: request.service'],
      [[did, { service: 's', purpose: 'p'.repeat(limits.devicePurposeLengthMax + 1) }], 'purpose'],
    ],
  },
  decideDeviceAccess: {
    good: [txId, true],
    bad: [
      [[txId, 'yes'], 'decideDeviceAccess: grant must be true or false'],
      [['r1', true], 'decideDeviceAccess: request must be 64'],
    ],
  },
  deviceAccessLog: { good: [did], bad: [[[42], 'deviceAccessLog: device']] },
  readDeviceBatch: {
    good: [did, txId],
    bad: [[[did, 'ABC'], 'readDeviceBatch: digest must be 64 lowercase hex digits']],
  },
  deployContract: {
    good: [{ name: 'counter', code: 'function inc(ctx) {}' }],
    bad: [
      [[{ name: 'counter' }], 'deployContract: request.code must be a non-empty string'],
      [
        [{ name: 'c', code: 'x'.repeat(limits.contractCodeBytesMax + 1) }],
        `at most ${limits.contractCodeBytesMax} bytes`,
      ],
    ],
  },
  callContract: {
    good: ['counter', 'inc', { by: 2 }, { pay: 10 }],
    bad: [
      [['counter'], 'callContract: method must be a non-empty string'],
      [['counter', 'inc', null, { pay: 0 }], 'callContract: options.pay must be a whole number'],
      [['c'.repeat(limits.contractNameLengthMax + 1), 'inc'], 'callContract: contract'],
    ],
  },
  deviceCallContract: {
    good: [did, 'counter', 'inc'],
    bad: [[[did, 'counter', 7], 'deviceCallContract: method']],
  },
  contracts: { good: [], bad: [tooMany([])] },
  contract: { good: ['counter'], bad: [[[{}], 'contract: name must be']] },
  sendDeviceMessage: {
    good: [did, did, { open: true }],
    bad: [[[did, 'door'], 'sendDeviceMessage: to must be a did:key identity']],
  },
  deviceMessages: {
    good: [did],
    bad: [[[did, { limit: 0 }], 'deviceMessages: options.limit must be a whole number from 1']],
  },
  datasets: { good: [], bad: [tooMany([])] },
  publishDataset: {
    good: [{ id: 'temps', labels: ['a'], policy: { mode: 'owner' } }],
    bad: [
      [[{}], 'publishDataset: request.id must be'],
      [[{ id: 'x'.repeat(65) }], 'publishDataset: request.id must be a non-empty string'],
      [[{ id: 'd', labels: 'a' }], 'publishDataset: request.labels must be'],
      [[{ id: 'd', owner: did }], 'request has no field "owner"'],
    ],
  },
  putDatasetVersion: {
    good: ['temps', new Uint8Array([1, 2])],
    bad: [
      [['temps'], 'putDatasetVersion: content must be'],
      [['temps', 5], 'putDatasetVersion: content must be bytes'],
      [['', 'text'], 'putDatasetVersion: dataset must be a non-empty string'],
    ],
  },
  requestAccess: {
    good: ['temps', 'research'],
    bad: [
      [['temps', 'x'.repeat(501)], 'requestAccess: purpose must be a string of at most 500'],
      [['temps', 'resale', undefined, { for: 'bob' }], 'options.for must be a did:key identity'],
    ],
  },
  confirmProxy: {
    good: [txId],
    bad: [[['nope'], 'confirmProxy: request must be 64 lowercase hex digits']],
  },
  forwardDataset: {
    good: [txId, [1, 2]],
    bad: [
      [[txId, []], 'forwardDataset: versions must be a non-empty list'],
      [[txId, Array.from({ length: 65 }, (_, i) => i + 1)], 'of at most 64 items'],
      [[txId, [0]], 'versions[0]'],
    ],
  },
  decideAccess: {
    good: [txId, true],
    bad: [
      [['nope', true], 'decideAccess: request must be 64 lowercase hex digits'],
      [[txId, 'yes'], 'decideAccess: grant must be'],
    ],
  },
  revokeAccess: {
    good: ['temps', did],
    bad: [[['temps', 'bob'], 'revokeAccess: reader must be a did:key identity']],
  },
  readDataset: {
    good: ['temps', { version: 2, purpose: 'audit' }],
    bad: [
      [['temps', { version: 0 }], 'readDataset: options.version must be a whole number from 1'],
      [['temps', { at: 1 }], 'options has no field "at"'],
    ],
  },
  accessLog: { good: ['temps'], bad: [[[7], 'accessLog: dataset must be a non-empty string']] },
  balance: { good: [did], bad: [[[7], 'balance: account must be a non-empty string']] },
  transfer: {
    good: [{ to: did, amount: 5, memo: 'rent' }],
    bad: [
      [[{ to: did, amount: 0 }], 'transfer: request.amount must be a whole number from 1'],
      [[{ to: did, amount: 1.5 }], 'request.amount'],
      [[{ to: did, amount: limits.tokenAmountMax + 1 }], 'request.amount'],
      [[{ to: 'bob', amount: 1 }], 'transfer: request.to must be a did:key identity'],
      [[{ amount: 1 }], 'transfer: request.to must be a did:key'],
      [[{ to: did, amount: 1, memo: 'x'.repeat(limits.tokenMemoBytesMax + 1) }], 'request.memo'],
      [[{ to: did, amount: 1, fee: 2 }], 'request has no field "fee"'],
    ],
  },
  setSpendingRule: {
    good: [did, { perTxMax: 5, perDayMax: 20, payees: [did, 'contract:shop'] }],
    bad: [
      [
        [did, { perTxMax: 0, perDayMax: 5 }],
        'setSpendingRule: rule.perTxMax must be a whole number',
      ],
      [[did, { perTxMax: 5 }], 'setSpendingRule: rule.perDayMax must be'],
      [[did, { perTxMax: 5, perDayMax: 5, payees: Array(17).fill(did) }], 'rule.payees'],
      [['washer', { perTxMax: 5, perDayMax: 5 }], 'setSpendingRule: device must be a did:key'],
    ],
  },
  deviceTransfer: {
    good: [did, { to: did, amount: 3 }],
    bad: [
      [[did, { to: did, amount: -3 }], 'deviceTransfer: request.amount must be a whole number'],
      [[did, { to: 'shop', amount: 3 }], 'request.to must be a did:key'],
    ],
  },
  tokenHistory: {
    good: [did, { limit: 10 }],
    bad: [
      [[did, { limit: 0 }], 'tokenHistory: options.limit must be a whole number from 1'],
      [[did, { limit: limits.tokenHistoryListedMax + 1 }], 'options.limit'],
    ],
  },
  traceRecord: {
    good: [{ id: 'LOT-1', server: 'http://127.0.0.1:9/lot.json', hash: 'ab'.repeat(32) }],
    bad: [
      [[{ id: '', server: 'http://x' }], 'traceRecord: request.id must be a non-empty string'],
      [[{ id: 'L', server: 'http://x', hash: 'XY' }], 'request.hash must be 64 lowercase hex'],
      [[{ id: 'L' }], 'request.server must be a non-empty string'],
      [[{ id: 'L', server: 'http://x', to: did }], 'request has no field "to"'],
    ],
  },
  traceTransfer: {
    good: [{ id: 'LOT-1', to: did, server: 'http://x/doc' }],
    bad: [
      [
        [{ id: 'LOT-1', to: 'bob', server: 'http://x' }],
        'traceTransfer: request.to must be a did:key',
      ],
    ],
  },
  traceSplit: {
    good: [{ id: 'LOT-1', into: ['A', 'B'], server: 'http://x/doc' }],
    bad: [
      [
        [{ id: 'LOT-1', into: [], server: 'http://x' }],
        'request.into must be a non-empty list of at most 64',
      ],
    ],
  },
  traceMerge: {
    good: [{ ids: ['A', 'B'], into: 'BOX', server: 'http://x/doc' }],
    bad: [
      [
        [{ ids: 'A', into: 'BOX', server: 'http://x' }],
        'traceMerge: request.ids must be a non-empty list',
      ],
    ],
  },
  xchain: { good: [], bad: [tooMany([])] },
  xchainLink: {
    good: [
      { chain: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', mode: 'relay', notaries: [did], quorum: 1 },
    ],
    bad: [
      [
        [{ chain: 'x', mode: 'relay' }],
        'xchainLink: request.chain must be 32 lowercase hex digits',
      ],
      [
        [{ chain: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', mode: 'bridge' }],
        'request.mode must be one of contract, relay, shared',
      ],
      [
        [{ chain: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', mode: 'shared', notaries: [] }],
        'request.notaries must be a non-empty list',
      ],
    ],
  },
  xchainLock: {
    good: [
      {
        target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
        asset: { kind: 'tokens', amount: 5 },
        deadline: 40,
      },
    ],
    bad: [
      [
        [{ target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', asset: { kind: 'tokens', amount: 0 } }],
        'xchainLock: request.asset.amount must be a whole number from 1',
      ],
      [
        [{ target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', asset: { kind: 'coins' } }],
        'request.asset.kind must be one of tokens, record',
      ],
      [
        [
          {
            target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
            asset: { kind: 'record', key: '', value: 1 },
          },
        ],
        'request.asset.key must be a non-empty string',
      ],
      [
        [{ target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', asset: { kind: 'record', key: 'k' } }],
        'request.asset.value is missing',
      ],
      [[{ target: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd' }], 'request.asset must be an object'],
    ],
  },
  xchainFund: { good: [10], bad: [[[-1], 'xchainFund: amount must be a whole number from 1']] },
  traceLot: {
    good: ['LOT-1'],
    bad: [[['x'.repeat(129)], 'traceLot: id must be a non-empty string of at most 128']],
  },
  traceBack: {
    good: ['LOT-1', { fetch: true }],
    bad: [
      [['LOT-1', { fetch: 'yes' }], 'traceBack: options.fetch must be true or false'],
      [[''], 'traceBack: id must be a non-empty string'],
    ],
  },
  itsNetwork: { good: [], bad: [tooMany([])] },
  itsConditions: {
    good: [{ lat: 47.005, lon: 8.003, radiusM: 300 }],
    bad: [
      [[{ lat: 47 }], 'itsConditions: near.lon must be a number'],
      [[{ lat: 47, lon: 8, radiusM: 0 }], 'itsConditions: near.radiusM'],
      [[{ lat: 47, lon: 8, radiusM: 5_001 }], 'near.radiusM'],
      [['here'], 'itsConditions: near'],
    ],
  },
  itsCondition: {
    good: ['h20'],
    bad: [
      [[''], 'itsCondition: segment must be a non-empty string'],
      [['x'.repeat(33)], 'at most 32 characters'],
    ],
  },
  itsTripKeys: {
    good: [4],
    bad: [
      [[0], 'itsTripKeys: count must be a whole number from 1 to 32'],
      [[33], 'itsTripKeys: count'],
    ],
  },
  itsCertify: {
    good: ['its-req:00', 'car 7'],
    bad: [
      [['its-req:00'], 'itsCertify: vehicle must be a non-empty string'],
      [['its-req:00', 'x'.repeat(65)], 'itsCertify: vehicle'],
    ],
  },
  itsAddCertificates: {
    good: ['its-cert:00'],
    bad: [[[7], 'itsAddCertificates: certificates must be a non-empty string']],
  },
  itsStartTrip: { good: [], bad: [tooMany([])] },
  itsStopTrip: { good: [], bad: [tooMany([])] },
  itsReport: {
    good: [{ lat: 47, lon: 8, speedKmh: 40.5, humidityPct: 80, rpm: 1850.25 }],
    bad: [
      [[{ lat: 91, lon: 8 }], 'itsReport: report.lat must be a number from -90 to 90'],
      [[{ lat: 47 }], 'itsReport: report.lon'],
      [[{ lat: 47, lon: 8, speedKmh: Number.NaN }], 'report.speedKmh must be a number'],
      [[{ lat: 47, lon: 8, rpm: 16_384 }], 'report.rpm must be a number from 0 to 16383'],
      [[{ lat: 47, lon: 8, heading: 3 }], 'report has no field "heading"'],
    ],
  },
  itsDrive: { good: [], bad: [tooMany([])] },
  itsRevoke: { good: ['car 7'], bad: [[[''], 'itsRevoke: vehicle must be a non-empty string']] },
  itsSettle: { good: [], bad: [tooMany([])] },

  ...marketCases,
  ...stakingCases,
  ...validationCases,
  ...analyticsCases,
  ...servicesCases,
  ...reorderCases,

  notifications: {
    good: [
      { kinds: ['device.blocked'], to: 'did:key:zabc' },
      { after: '12/0', limit: 10 },
    ],
    bad: [
      [[{ kinds: ['device.exploded'] }], 'notifications: filter.kinds[0] must be one of'],
      [[{ kind: 'device.blocked' }], 'filter has no field "kind"'],
      [[{}, { limit: 0 }], 'notifications: options.limit must be a whole number from 1'],
      [[{ subject: '' }], 'filter.subject must be a non-empty string'],
    ],
  },
  subscribeNotifications: {
    good: [{ kinds: ['contract.deployed'] }],
    bad: [
      [[{ kinds: 'contract.deployed' }], 'subscribeNotifications: filter.kinds must be a list'],
    ],
  },
  unsubscribeNotifications: {
    good: ['0123456789abcdef'],
    bad: [[[5], 'unsubscribeNotifications: id must be a non-empty string']],
  },
  notificationSubscriptions: { good: [], bad: [tooMany([])] },
  upgradeContract: {
    good: [{ name: 'counter', code: 'function f(ctx) { return 1; }' }],
    bad: [
      [[{ name: 'counter' }], 'upgradeContract: request.code must be'],
      [[{ name: 5, code: 'x' }], 'upgradeContract: request.name must be a non-empty string'],
      [[{ name: 'counter', code: '' }], 'request.code must be a non-empty string'],
      [[{ name: 'counter', code: 'x', proposal: 'xyz' }], 'request.proposal must be'],
    ],
  },
  retireContract: {
    good: [{ name: 'counter', note: 'replaced by counter2' }],
    bad: [
      [[{ name: 'counter' }], 'retireContract: request.note must be'],
      [[{ name: 'counter', note: 'x'.repeat(201) }], 'at most 200 characters'],
      [[{ name: 'counter', note: 'n', proposal: 5 }], 'request.proposal must be'],
    ],
  },
  scheduleTrigger: {
    good: [{ contract: 'counter', method: 'increment', args: { by: 2 }, every: 2, count: 3 }],
    bad: [
      [[{ contract: 'counter', method: 'increment', every: 0 }], 'scheduleTrigger: request.every'],
      [[{ contract: 'counter', method: 'increment', at: -1 }], 'scheduleTrigger: request.at'],
      [[{ contract: 'counter', every: 1 }], 'scheduleTrigger: request.method must be'],
      [[{ contract: 'counter', method: 'increment', when: 1 }], 'has no field "when"'],
    ],
  },
  cancelTrigger: {
    good: [{ trigger: txId }],
    bad: [[[{ trigger: 'xyz' }], 'cancelTrigger: request.trigger must be 64']],
  },
  triggers: { good: ['counter'], bad: [[[5], 'triggers: contract must be']] },
};

async function refusal(run: Promise<unknown>): Promise<BotError> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(BotError);
    return error as BotError;
  }
  throw new Error('the call was not refused');
}

describe('the API dispatcher', () => {
  it('has one entry per method of window.bot, and a test case for each', () => {
    expect(Object.keys(apiMethods).sort()).toEqual([...methodNames].sort());
    expect(Object.keys(cases).sort()).toEqual([...methodNames].sort());
  });

  for (const name of methodNames) {
    const { good, bad } = cases[name];
    it(`${name}: good parameters reach the handler; bad ones are BAD_REQUEST naming the parameter`, async () => {
      const { peer, calls } = recorder();
      expect(await dispatch(peer, name, good)).toEqual({ answered: name });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.name).toBe(name);
      // Left-out optional parameters (and JSON's null for them) reach the handler as undefined.
      expect(calls[0]!.args.slice(0, good.length)).toEqual(good.map((v) => v ?? undefined));
      expect(bad.length).toBeGreaterThan(0);
      for (const [params, message] of bad) {
        const error = await refusal(dispatch(peer, name, params));
        expect({ code: error.code, params }).toEqual({ code: 'BAD_REQUEST', params });
        expect(error.message).toContain(message);
        expect(error.message.startsWith(name)).toBe(true);
      }
      expect(calls).toHaveLength(1); // nothing refused reached the peer
    });
  }

  it('refuses unknown methods (own names only) and parameters that are not a list', async () => {
    const { peer, calls } = recorder();
    for (const name of ['nope', 'constructor', 'toString', '__proto__'])
      expect((await refusal(dispatch(peer, name, []))).code).toBe('BAD_REQUEST');
    const notList = await refusal(dispatch(peer, 'status', { 0: 1 }));
    expect(notList.message).toBe('status: the parameters must be a list (an array).');
    expect(calls).toEqual([]);
  });

  it('runs every method on the chain a call names (several chains per peer); peer-wide ones take none', async () => {
    const active = recorder();
    const other = recorder();
    const chainA = 'aa'.repeat(16);
    const peer = {
      ...active.peer,
      ready: async () => undefined,
      chainHost: (chainId?: string) => {
        if (chainId === chainA) return other.peer;
        throw new BotError('NOT_FOUND', `This peer runs no chain ${chainId}.`);
      },
    } as unknown as PeerMethods;
    for (const name of methodNames) {
      const { good } = cases[name];
      if (peerLevelMethods.has(name)) {
        const error = await refusal(dispatch(peer, name, good, chainA));
        expect({ name, code: error.code }).toEqual({ name, code: 'BAD_REQUEST' });
        expect(error.message).toContain('call it without a chain');
      } else {
        expect(await dispatch(peer, name, good, chainA)).toEqual({ answered: name });
        expect(other.calls.at(-1)!.name).toBe(name);
      }
    }
    expect(active.calls).toEqual([]); // nothing named chain A ran on the active chain
    expect((await refusal(dispatch(peer, 'status', [], 'bb'.repeat(16)))).code).toBe('NOT_FOUND');
    for (const bad of ['AA'.repeat(16), 'aa', 7, {}, 'zz'.repeat(16)]) {
      const error = await refusal(dispatch(peer, 'status', [], bad));
      expect(error.message).toBe('status: chain must be a chain id (32 lowercase hex digits).');
    }
    // Without a chain (undefined or JSON's null) the call runs on the active chain.
    expect(await dispatch(peer, 'status', [], null)).toEqual({ answered: 'status' });
    expect(active.calls.map((c) => c.name)).toEqual(['status']);
    // A single-chain peer answers for its own chain only.
    const single = recorder();
    const own = { ...single.peer, status: async () => ({ chainId: chainA }) } as PeerMethods;
    expect(await dispatch(own, 'get', ['k'], chainA)).toEqual({ answered: 'get' });
    expect((await refusal(dispatch(own, 'get', ['k'], 'bb'.repeat(16)))).code).toBe('NOT_FOUND');
  });

  it('says how many parameters a method takes', async () => {
    const { peer } = recorder();
    const error = await refusal(dispatch(peer, 'waitFor', [txId, {}, 'extra']));
    expect(error.message).toBe('waitFor takes 2 parameters (txId, options?), not 3.');
  });
});
