// The API dispatcher: one table of every method of window.bot (worker/api.ts), each with the
// checkers of its parameters and its handler. The page's RPC (worker/peer.worker.ts) and the
// HTTP API (server/peer/http.ts, POST /v1/rpc/:method and the REST routes) both call `dispatch`,
// so every method's parameters are checked at the same boundary: a missing, wrong-typed or
// over-limit parameter is BAD_REQUEST with a plain message naming the method and the parameter
// ("get: key must be a non-empty string of at most 256 bytes"). The whole message is bounded
// before this by its transport (rpcMessageBytesMax in worker/rpc.ts, httpBodyBytesMax).
import { botError, BotError } from '../core/errors';
import * as limits from '../core/limits';
import type {
  CreateChainRequest,
  DatasetPolicyView,
  DatasetReadView,
  MethodName,
  PeerMethods,
} from '../api';
import * as dsLimits from '../core/modules/datasets/limits';
import * as traceLimits from '../core/modules/trace/limits';
import { xchainNotariesMax } from '../core/modules/xchain/types';

import { itsEngineRpmMax, itsSegmentIdLengthMax } from '../core/modules/its/limits';
import {
  itsNearRadiusMaxM,
  itsSegmentsReadMax,
  itsTripKeysMax,
  itsVehicleNameLengthMax,
} from './its-limits';

import * as notifyLimits from '../core/notifications/limits';
import { notificationKinds, type NotificationFilter } from '../core/notifications';
import {
  anyObject,
  boolean,
  bytes,
  did,
  finite,
  hex,
  integer,
  list,
  oneOf,
  optional,
  orNull,
  param,
  scalar,
  present,
  record,
  text,
  type Param,
} from './params';
import { marketApiMethods } from './dispatch-market';
import { stakingApiMethods } from './dispatch-staking';
import { multisigApiMethods } from './dispatch-multisig';
import { validationApiMethods } from './dispatch-validation';
import { analyticsApiMethods } from './dispatch-analytics';
import { servicesApiMethods } from './dispatch-services';
import { reorderApiMethods } from './dispatch-reorder';

import { chainTarget } from './chain-scope';
import { type ApiMethod, method } from './dispatch-method';

const none = (run: (peer: PeerMethods) => Promise<unknown>) => method([], run);

// ---- parameters shared by several methods ----
const txId = hex(64);
const dataKey = text(limits.dataKeyBytesMax, { min: 1 });
const invite = text(limits.inviteLengthMax, { min: 1, unit: 'characters' });
const passphrase = text(limits.passphraseLengthMax, { unit: 'characters' });
const contractName = text(limits.contractNameLengthMax, { min: 1, unit: 'characters' });
const contractMethod = text(limits.contractMethodLengthMax, { min: 1, unit: 'characters' });
const time = integer(0, Number.MAX_SAFE_INTEGER);
const tokenAmount = integer(1, limits.tokenAmountMax);
const tokenAccount = text(80, { min: 1, unit: 'characters' });
const listOptions = record<{ limit?: number }>({
  limit: optional('limit', integer(1, limits.deviceListedMax)),
});
const roundTimeout = integer(0, limits.roundTimeoutMsMax);
const reading = record<{ values: Record<string, unknown>; at?: number }>({
  values: param('values', anyObject),
  at: optional('at', time),
});

const datasetId = text(dsLimits.datasetIdLengthMax, { min: 1, unit: 'characters' });
const purpose = text(dsLimits.purposeLengthMax, { unit: 'characters' });
/** A dataset view: its shape is judged by the core (checkReadView). */
const readView = (v: unknown, n: string) => anyObject(v, n) as unknown as DatasetReadView;
/** A dataset version's content: bytes, or text (UTF-8), at most rpcContentBytesMax. */
const content = (value: unknown, name: string): Uint8Array | string =>
  typeof value === 'string'
    ? text(limits.rpcContentBytesMax)(value, name)
    : bytes(limits.rpcContentBytesMax)(value, name);

/** What an xchain.lock moves through the API: tokens, or a record (a grant needs a sealed key: submit). */
function xchainAsset(
  value: unknown,
  name: string,
): { kind: 'tokens'; amount: number } | { kind: 'record'; key: string; value: unknown } {
  const kind = oneOf(['tokens', 'record'])(anyObject(value, name).kind, `${name}.kind`);
  if (kind === 'tokens')
    return record<{ kind: 'tokens'; amount: number }>({
      kind: param('kind', oneOf(['tokens'])),
      amount: param('amount', tokenAmount),
    })(value, name);
  return record<{ kind: 'record'; key: string; value: unknown }>({
    kind: param('kind', oneOf(['record'])),
    key: param('key', dataKey),
    value: param('value', present),
  })(value, name);
}

const traceId = text(traceLimits.traceIdLengthMax, { min: 1, unit: 'characters' });
const traceServer = text(traceLimits.traceServerLengthMax, { min: 1, unit: 'characters' });
const traceHash = hex(64);
/** A trace write: its fields, plus the information-server address and (optionally) the hash. */
function traceWrite<T extends Record<string, unknown>>(
  fields: {
    [K in keyof T]-?: ReturnType<typeof param<T[K]>>;
  },
) {
  return param(
    'request',
    record<T & { server: string; hash?: string }>({
      ...fields,
      server: param('server', traceServer),
      hash: optional('hash', traceHash),
    } as never),
  );
}

// ---- road conditions (issue 20) ----
const itsCode = text(64 * 1024, { min: 1, unit: 'characters' });
const vehicleName = text(itsVehicleNameLengthMax, { min: 1, unit: 'characters' });
const itsReport = record<{
  lat: number;
  lon: number;
  speedKmh?: number;
  humidityPct?: number;
  temperatureC?: number;
  rpm?: number;
  accuracyM?: number;
}>({
  lat: param('lat', finite(-90, 90)),
  lon: param('lon', finite(-180, 180)),
  speedKmh: optional('speedKmh', finite(0, 300)),
  humidityPct: optional('humidityPct', finite(-1000, 1000)),
  temperatureC: optional('temperatureC', finite(-1000, 1000)),
  rpm: optional('rpm', finite(0, itsEngineRpmMax)),
  accuracyM: optional('accuracyM', finite(0, 1_000_000)),
});

const itsNear = record<{ lat: number; lon: number; radiusM?: number }>({
  lat: param('lat', finite(-90, 90)),
  lon: param('lon', finite(-180, 180)),
  radiusM: optional('radiusM', finite(1, itsNearRadiusMaxM)),
});

/** A notification filter: kinds, a subject, a recipient (checked again by the service). */
const notifyText = text(notifyLimits.notificationSubjectLengthMax, { min: 1, unit: 'characters' });
const notificationFilter = record<NotificationFilter & Record<string, unknown>>({
  kinds: optional('kinds', list(oneOf(notificationKinds), notifyLimits.notificationFilterKindsMax)),
  subject: optional('subject', notifyText),
  to: optional('to', notifyText),
});

/** Every method of window.bot: name -> parameters + handler. */
export const apiMethods: Record<MethodName, ApiMethod> = {
  ready: none((p) => p.ready()),
  identity: none((p) => p.identity()),
  status: none((p) => p.status()),
  submit: method(
    [
      param(
        'request',
        record<{ type: string; body: unknown }>({
          type: param('type', text(limits.txTypeLengthMax, { min: 1, unit: 'characters' })),
          body: param('body', present),
        }),
      ),
    ],
    (p, request) => p.submit(request),
  ),
  submitRaw: method([param('bytes', bytes(limits.txBytesMax))], (p, raw) => p.submitRaw(raw)),
  waitFor: method(
    [
      param('txId', txId),
      optional(
        'options',
        record<{ timeoutMs?: number }>({
          timeoutMs: optional('timeoutMs', integer(0, limits.waitTimeoutMsMax)),
        }),
      ),
    ],
    (p, id, options) => p.waitFor(id, options),
  ),
  block: method([param('height', integer(0, Number.MAX_SAFE_INTEGER))], (p, height) =>
    p.block(height),
  ),
  get: method([param('key', dataKey)], (p, key) => p.get(key)),
  absenceProof: method([param('key', dataKey)], (p, key) => p.absenceProof(key)),
  shareSealed: method(
    [optional('prefix', text(limits.dataKeyBytesMax, { unit: 'bytes' }))],
    (p, prefix) => p.shareSealed(prefix),
  ),
  history: method([param('key', dataKey)], (p, key) => p.history(key)),
  integrity: none((p) => p.integrity()),
  repair: none((p) => p.repair()),
  log: none((p) => p.log()),
  exportAuditLog: none((p) => p.exportAuditLog()),
  verifyAuditLog: method(
    [
      param('log', anyObject),
      optional(
        'options',
        record<{ anchor?: { seq: number; hash: string } }>({
          anchor: optional(
            'anchor',
            record<{ seq: number; hash: string }>({
              seq: param('seq', integer(0, Number.MAX_SAFE_INTEGER)),
              hash: param('hash', hex(64)),
            }),
          ),
        }),
      ),
    ],
    (p, log, options) => p.verifyAuditLog(log as never, options),
  ),
  createChain: method(
    [
      param(
        'request',
        record<{
          name: string;
          mode: 'private' | 'consortium' | 'public';
          consensus: 'solo' | 'poa' | 'bft';
          validators?: string[];
          timeoutMs?: number;
          emptyBlockIntervalMs?: number;
          tokens?: Record<string, unknown>;
          admin?: string;
          its?: Record<string, unknown>;

          multisig?: Record<string, unknown>;
          staking?: Record<string, unknown>;
        }>({
          name: param('name', text(limits.chainNameLengthMax, { min: 1, unit: 'characters' })),
          mode: param('mode', oneOf(['private', 'consortium', 'public'])),
          consensus: param('consensus', oneOf(['solo', 'poa', 'bft'])),
          validators: optional('validators', list(did, limits.validatorCountMax, { min: 1 })),
          timeoutMs: optional('timeoutMs', roundTimeout),
          emptyBlockIntervalMs: optional('emptyBlockIntervalMs', roundTimeout),
          // Judged in full by the core's genesis check (checkTokenGenesis).
          tokens: optional('tokens', anyObject),
          // Judged in full by the core's genesis check (checkItsGenesis).
          its: optional('its', anyObject),
          admin: optional('admin', did),
          // Judged in full by the core's genesis check (checkMultisigGenesis).
          multisig: optional('multisig', anyObject),
          // Judged in full by the core's genesis check (checkStakingGenesis) and genesisFor (bond).
          staking: optional('staking', anyObject),
        }),
      ),
    ],
    // tokens: checked in full by the core (checkTokenGenesis) before the chain is made.
    (p, request) => p.createChain(request as CreateChainRequest),
  ),
  join: method(
    [
      param('invite', invite),
      optional('options', record<{ light?: boolean }>({ light: optional('light', boolean) })),
    ],
    (p, link, options) => p.join(link, options),
  ),
  invite: none((p) => p.invite()),
  inviteInfo: method([param('invite', invite)], (p, link) => p.inviteInfo(link)),
  chains: none((p) => p.chains()),
  useChain: method([param('chainId', hex(32))], (p, chainId) => p.useChain(chainId)),
  leaveChain: method(
    [
      param('chainId', hex(32)),
      optional(
        'options',
        record<{ keepData?: boolean }>({ keepData: optional('keepData', boolean) }),
      ),
    ],
    (p, chainId, options) => p.leaveChain(chainId, options),
  ),
  network: none((p) => p.network()),
  settings: none((p) => p.settings()),
  setSettings: method([param('patch', anyObject)], (p, patch) => p.setSettings(patch)),
  governance: none((p) => p.governance()),
  setRole: method(
    [
      param('role', text(limits.roleNameLengthMax, { min: 1, unit: 'characters' })),
      param('dids', orNull(list(did, limits.roleHoldersMax))),
    ],
    (p, role, dids) => p.setRole(role, dids),
  ),
  setPolicy: method(
    [
      param('name', text(limits.policyNameLengthMax, { min: 1, unit: 'characters' })),
      param('value', scalar(limits.policyValueLengthMax)),
    ],
    (p, name, value) => p.setPolicy(name, value),
  ),
  setMember: method([param('did', did), param('member', boolean)], (p, who, member) =>
    p.setMember(who, member),
  ),
  // Judged in full by the core's body rules (checkMultisigGenesis) before it is signed.
  setMultisigRule: method([param('policy', orNull(anyObject))], (p, policy) =>
    p.setMultisigRule(policy as never),
  ),
  reportDevice: method(
    [
      param('device', did),
      param('reason', text(limits.blocklistReasonLengthMax, { min: 1, unit: 'characters' })),
    ],
    (p, device, reason) => p.reportDevice(device, reason),
  ),
  unblockDevice: method(
    [
      param('device', did),
      param('note', text(limits.blocklistReasonLengthMax, { min: 1, unit: 'characters' })),
    ],
    (p, device, note) => p.unblockDevice(device, note),
  ),
  blockedDevices: none((p) => p.blockedDevices()),
  exportIdentity: method([param('passphrase', passphrase)], (p, pass) => p.exportIdentity(pass)),
  importIdentity: method(
    [
      param('backup', text(limits.identityBackupLengthMax, { min: 1, unit: 'characters' })),
      param('passphrase', passphrase),
    ],
    (p, backup, pass) => p.importIdentity(backup, pass),
  ),
  reset: none((p) => p.reset()),
  devices: none((p) => p.devices()),
  registerDevice: method(
    [
      param(
        'request',
        record<{
          id: string;
          kind: 'heart-rate' | 'environment' | 'vehicle' | 'gps' | 'sensor';
          name?: string;
          capabilities: string[];
          owner?: string;
          policy?: Record<string, unknown>;
        }>({
          id: param('id', text(limits.deviceIdLengthMax, { min: 1, unit: 'characters' })),
          kind: param('kind', oneOf(['heart-rate', 'environment', 'vehicle', 'gps', 'sensor'])),
          name: optional('name', text(limits.deviceNameLengthMax, { unit: 'characters' })),
          capabilities: param(
            'capabilities',
            list(
              text(limits.deviceCapabilityLengthMax, { min: 1, unit: 'characters' }),
              limits.deviceCapabilitiesMax,
            ),
          ),
          owner: optional('owner', did),
          policy: optional('policy', anyObject),
        }),
      ),
    ],
    (p, request) => p.registerDevice(request as never),
  ),
  setDeviceStatus: method(
    [
      param('device', did),
      param('status', oneOf(['online', 'offline', 'error', 'retired'])),
      optional('message', text(limits.deviceStatusMessageLengthMax, { unit: 'characters' })),
    ],
    (p, device, status, message) => p.setDeviceStatus(device, status, message),
  ),
  setDevicePolicy: method([param('device', did), param('policy', anyObject)], (p, device, policy) =>
    p.setDevicePolicy(device, policy as never),
  ),
  deviceReading: method([param('device', did), param('reading', reading)], (p, device, r) =>
    p.deviceReading(device, r as never),
  ),
  deviceReadingBatch: method(
    [
      param('device', did),
      param(
        'samples',
        list(
          record<{ values: Record<string, unknown>; at: number }>({
            values: param('values', anyObject),
            at: param('at', time),
          }),
          limits.deviceBatchSamplesMax,
          { min: 1 },
        ),
      ),
    ],
    (p, device, samples) => p.deviceReadingBatch(device, samples as never),
  ),
  deviceReadings: method(
    [param('device', did), optional('options', listOptions)],
    (p, device, options) => p.deviceReadings(device, options),
  ),
  requestDeviceAccess: method(
    [
      param('device', did),
      param(
        'request',
        record<{ service: string; purpose?: string }>({
          service: param(
            'service',
            text(limits.deviceServiceLengthMax, { min: 1, unit: 'characters' }),
          ),
          purpose: optional('purpose', text(limits.devicePurposeLengthMax, { unit: 'characters' })),
        }),
      ),
    ],
    (p, device, request) => p.requestDeviceAccess(device, request),
  ),
  decideDeviceAccess: method(
    [param('request', txId), param('grant', boolean)],
    (p, request, grant) => p.decideDeviceAccess(request, grant),
  ),
  deviceAccessLog: method([param('device', did)], (p, device) => p.deviceAccessLog(device)),
  readDeviceBatch: method([param('device', did), param('digest', hex(64))], (p, device, digest) =>
    p.readDeviceBatch(device, digest),
  ),
  deployContract: method(
    [
      param(
        'request',
        record<{ name: string; code: string; proposal?: string }>({
          name: param('name', contractName),
          code: param('code', text(limits.contractCodeBytesMax, { min: 1 })),
          proposal: optional('proposal', hex(64)),
        }),
      ),
    ],
    (p, request) => p.deployContract(request),
  ),
  callContract: method(
    [
      param('contract', contractName),
      param('method', contractMethod),
      optional('args', present),
      optional('options', record<{ pay?: number }>({ pay: optional('pay', tokenAmount) })),
    ],
    (p, contract, name, args, options) => p.callContract(contract, name, args, options),
  ),
  deviceCallContract: method(
    [
      param('device', did),
      param('contract', contractName),
      param('method', contractMethod),
      optional('args', present),
      optional('options', record<{ pay?: number }>({ pay: optional('pay', tokenAmount) })),
    ],
    (p, device, contract, name, args, options) =>
      p.deviceCallContract(device, contract, name, args, options),
  ),
  contracts: none((p) => p.contracts()),
  contract: method([param('name', contractName)], (p, name) => p.contract(name)),
  sendDeviceMessage: method(
    [param('from', did), param('to', did), optional('body', present)],
    (p, from, to, body) => p.sendDeviceMessage(from, to, body),
  ),
  deviceMessages: method(
    [param('device', did), optional('options', listOptions)],
    (p, device, options) => p.deviceMessages(device, options),
  ),
  // ---- confidential datasets (issue 15): what a record may hold is judged by the core ----
  datasets: none((p) => p.datasets()),
  publishDataset: method(
    [
      param(
        'request',
        record<{ id: string; labels?: string[]; schema?: string; policy?: DatasetPolicyView }>({
          id: param('id', datasetId),
          labels: optional(
            'labels',
            list(text(dsLimits.labelLengthMax, { unit: 'characters' }), dsLimits.labelsMax),
          ),
          schema: optional('schema', text(dsLimits.schemaLengthMax, { unit: 'characters' })),
          policy: optional('policy', (v, n) => anyObject(v, n) as unknown as DatasetPolicyView),
        }),
      ),
    ],
    (p, request) => p.publishDataset(request),
  ),
  putDatasetVersion: method(
    [param('dataset', datasetId), param('content', content)],
    (p, dataset, body) => p.putDatasetVersion(dataset, body),
  ),
  requestAccess: method(
    [
      param('dataset', datasetId),
      param('purpose', purpose),
      optional('view', readView),
      optional('options', record<{ for?: string }>({ for: optional('for', did) })),
    ],
    (p, d, why, view, options) => p.requestAccess(d, why, view, options),
  ),
  // a data proxy (Y.4560 Annex I.2): the enterprise confirms, the proxy forwards
  confirmProxy: method([param('request', txId)], (p, request) => p.confirmProxy(request)),
  forwardDataset: method(
    [
      param('request', txId),
      optional(
        'versions',
        list(integer(1, dsLimits.versionNumberMax - 1), dsLimits.forwardVersionsMax, { min: 1 }),
      ),
    ],
    (p, request, versions) => p.forwardDataset(request, versions),
  ),
  decideAccess: method(
    [param('request', txId), param('grant', boolean), optional('view', readView)],
    (p, request, grant, view) => p.decideAccess(request, grant, view),
  ),
  revokeAccess: method([param('dataset', datasetId), param('reader', did)], (p, d, reader) =>
    p.revokeAccess(d, reader),
  ),
  readDataset: method(
    [
      param('dataset', datasetId),
      optional(
        'options',
        record<{ version?: number; purpose?: string }>({
          version: optional('version', integer(1, dsLimits.versionNumberMax)),
          purpose: optional('purpose', purpose),
        }),
      ),
    ],
    (p, dataset, options) => p.readDataset(dataset, options),
  ),
  accessLog: method([param('dataset', datasetId)], (p, dataset) => p.accessLog(dataset)),
  // ---- tokens (issue 16): amounts and recipients are judged again by the core ----
  balance: method([optional('account', tokenAccount)], (p, account) => p.balance(account)),
  transfer: method(
    [
      param(
        'request',
        record<{ to: string; amount: number; memo?: string }>({
          to: param('to', did),
          amount: param('amount', tokenAmount),
          memo: optional('memo', text(limits.tokenMemoBytesMax)),
        }),
      ),
    ],
    (p, request) => p.transfer(request),
  ),
  tokenHistory: method(
    [
      optional('account', tokenAccount),
      optional(
        'options',
        record<{ limit?: number }>({
          limit: optional('limit', integer(1, limits.tokenHistoryListedMax)),
        }),
      ),
    ],
    (p, account, options) => p.tokenHistory(account, options),
  ),
  setSpendingRule: method(
    [
      param('device', did),
      param(
        'rule',
        record<{ perTxMax: number; perDayMax: number; payees?: string[] }>({
          perTxMax: param('perTxMax', tokenAmount),
          perDayMax: param('perDayMax', tokenAmount),
          payees: optional('payees', list(tokenAccount, limits.tokenRulePayeesMax)),
        }),
      ),
    ],
    (p, device, rule) => p.setSpendingRule(device, rule),
  ),
  deviceTransfer: method(
    [
      param('device', did),
      param(
        'request',
        record<{ to: string; amount: number; memo?: string }>({
          to: param('to', did),
          amount: param('amount', tokenAmount),
          memo: optional('memo', text(limits.tokenMemoBytesMax)),
        }),
      ),
    ],
    (p, device, request) => p.deviceTransfer(device, request),
  ),
  // ---- supply-chain traceability (issue 17): what a record may hold is judged by the core ----
  traceRecord: method([traceWrite<{ id: string }>({ id: param('id', traceId) })], (p, request) =>
    p.traceRecord(request),
  ),
  traceTransfer: method(
    [traceWrite<{ id: string; to: string }>({ id: param('id', traceId), to: param('to', did) })],
    (p, request) => p.traceTransfer(request),
  ),
  traceSplit: method(
    [
      traceWrite<{ id: string; into: string[] }>({
        id: param('id', traceId),
        into: param('into', list(traceId, traceLimits.traceSplitPartsMax, { min: 1 })),
      }),
    ],
    (p, request) => p.traceSplit(request),
  ),
  traceMerge: method(
    [
      traceWrite<{ ids: string[]; into: string }>({
        ids: param('ids', list(traceId, traceLimits.traceMergeInputsMax, { min: 1 })),
        into: param('into', traceId),
      }),
    ],
    (p, request) => p.traceMerge(request),
  ),
  traceLot: method([param('id', traceId)], (p, id) => p.traceLot(id)),
  // ---- contract lifecycle (issue 17): who may, and whether the code loads, is the core's ----
  upgradeContract: method(
    [
      param(
        'request',
        record<{ name: string; code: string; proposal?: string }>({
          name: param('name', contractName),
          code: param('code', text(limits.contractCodeBytesMax, { min: 1 })),
          proposal: optional('proposal', hex(64)),
        }),
      ),
    ],
    (p, request) => p.upgradeContract(request),
  ),
  retireContract: method(
    [
      param(
        'request',
        record<{ name: string; note: string; proposal?: string }>({
          name: param('name', contractName),
          note: param(
            'note',
            text(limits.contractRetireNoteLengthMax, { min: 1, unit: 'characters' }),
          ),
          proposal: optional('proposal', hex(64)),
        }),
      ),
    ],
    (p, request) => p.retireContract(request),
  ),
  // triggers (r-7.2-b): whether the contract, method, height and manager fit is the core's
  scheduleTrigger: method(
    [
      param(
        'request',
        record<{
          contract: string;
          method: string;
          args?: unknown;
          at?: number;
          every?: number;
          count?: number;
        }>({
          contract: param('contract', contractName),
          method: param('method', contractMethod),
          args: optional('args', present),
          at: optional('at', integer(1, Number.MAX_SAFE_INTEGER)),
          every: optional('every', integer(1, limits.triggerEveryMax)),
          count: optional('count', integer(1, limits.triggerCountMax)),
        }),
      ),
    ],
    (p, request) => p.scheduleTrigger(request),
  ),
  cancelTrigger: method(
    [param('request', record<{ trigger: string }>({ trigger: param('trigger', hex(64)) }))],
    (p, request) => p.cancelTrigger(request),
  ),
  triggers: method([optional('contract', contractName)], (p, contract) => p.triggers(contract)),
  // ---- the procedures' notifications (issue 17, Y.4464 clause 10) ----
  notifications: method(
    [
      optional('filter', notificationFilter),
      optional(
        'options',
        record<{ after?: string; limit?: number }>({
          after: optional('after', text(32, { min: 3, unit: 'characters' })),
          limit: optional('limit', integer(1, notifyLimits.notificationsListedMax)),
        }),
      ),
    ],
    (p, filter, options) => p.notifications(filter, options),
  ),
  subscribeNotifications: method([optional('filter', notificationFilter)], (p, filter) =>
    p.subscribeNotifications(filter),
  ),
  unsubscribeNotifications: method(
    [param('id', text(64, { min: 1, unit: 'characters' }))],
    (p, id) => p.unsubscribeNotifications(id),
  ),
  notificationSubscriptions: none((p) => p.notificationSubscriptions()),
  traceBack: method(
    [
      param('id', traceId),
      optional('options', record<{ fetch?: boolean }>({ fetch: optional('fetch', boolean) })),
    ],
    (p, id, options) => p.traceBack(id, options),
  ),
  // ---- cross-chain operations (issue 18): bodies are judged again by the core's rules ----
  xchain: none((p) => p.xchain()),
  xchainLink: method(
    [
      param(
        'request',
        record<Parameters<PeerMethods['xchainLink']>[0]>({
          chain: param('chain', hex(32)),
          mode: param('mode', oneOf(['contract', 'relay', 'shared'])),
          genesis: optional('genesis', anyObject),
          notaries: optional('notaries', list(did, xchainNotariesMax, { min: 1 })),
          quorum: optional('quorum', integer(1, xchainNotariesMax)),
        }),
      ),
    ],
    (p, request) => p.xchainLink(request),
  ),
  xchainLock: method(
    [
      param(
        'request',
        record<Parameters<PeerMethods['xchainLock']>[0]>({
          target: param('target', hex(32)),
          to: optional('to', did),
          asset: param('asset', xchainAsset),
          deadline: optional('deadline', integer(0, Number.MAX_SAFE_INTEGER)),
        }),
      ),
    ],
    (p, request) => p.xchainLock(request),
  ),
  xchainFund: method([param('amount', tokenAmount)], (p, amount) => p.xchainFund(amount)),

  // ---- road conditions (issue 20): what an observation may hold is judged by the core ----
  itsNetwork: none((p) => p.itsNetwork()),
  itsConditions: method(
    [
      optional('near', orNull(itsNear)),
      optional(
        'segments',
        list(text(itsSegmentIdLengthMax, { min: 1, unit: 'characters' }), itsSegmentsReadMax),
      ),
    ],
    (p, near, segments) => p.itsConditions(near ?? undefined, segments),
  ),
  itsCondition: method(
    [param('segment', text(itsSegmentIdLengthMax, { min: 1, unit: 'characters' }))],
    (p, segment) => p.itsCondition(segment),
  ),
  itsTripKeys: method([param('count', integer(1, itsTripKeysMax))], (p, count) =>
    p.itsTripKeys(count),
  ),
  itsCertify: method(
    [param('request', itsCode), param('vehicle', vehicleName)],
    (p, request, vehicle) => p.itsCertify(request, vehicle),
  ),
  itsAddCertificates: method([param('certificates', itsCode)], (p, code) =>
    p.itsAddCertificates(code),
  ),
  itsStartTrip: none((p) => p.itsStartTrip()),
  itsStopTrip: none((p) => p.itsStopTrip()),
  itsReport: method([param('report', itsReport)], (p, report) => p.itsReport(report)),
  itsDrive: none((p) => p.itsDrive()),
  itsRevoke: method([param('vehicle', vehicleName)], (p, vehicle) => p.itsRevoke(vehicle)),
  itsSettle: none((p) => p.itsSettle()),

  ...marketApiMethods,
  ...stakingApiMethods,
  ...multisigApiMethods,
  ...validationApiMethods,
  ...analyticsApiMethods,
  ...servicesApiMethods,
  ...reorderApiMethods,
};

/** Is `name` a method of the API (own names only: not "constructor", "toString", ...)? */
export function isApiMethod(name: string): name is MethodName {
  return Object.hasOwn(apiMethods, name);
}

/** Check `params` against `name`'s parameters; returns them, optional ones left out as undefined. */
export function checkParams(name: MethodName, params: unknown): unknown[] {
  const { params: specs } = apiMethods[name];
  if (!Array.isArray(params))
    throw botError('BAD_REQUEST', `${name}: the parameters must be a list (an array).`);
  if (params.length > specs.length) {
    const names = specs.map((s) => (s.optional ? `${s.name}?` : s.name)).join(', ');
    throw botError(
      'BAD_REQUEST',
      `${name} takes ${specs.length} parameter${specs.length === 1 ? '' : 's'} (${names}), not ${params.length}.`,
    );
  }
  return specs.map((spec, i) => spec.check(params[i], `${name}: ${spec.name}`));
}

/**
 * Call `name` on `peer` with `params` checked first. Unknown methods and bad parameters are
 * BAD_REQUEST; what the method itself refuses keeps its own code.
 */
export async function dispatch(
  peer: PeerMethods,
  name: string,
  params: unknown,
  chain?: unknown,
): Promise<unknown> {
  if (!isApiMethod(name)) throw botError('BAD_REQUEST', `Unknown method ${String(name)}.`);
  const args = checkParams(name, params);
  // `chain`: one chain of a peer that runs several (chain-scope.ts); the active one when left out.
  // (Not awaited when there is none: a peer object is not passed through a promise.)
  const target =
    chain === undefined || chain === null ? peer : await chainTarget(peer, name, chain);
  return apiMethods[name].run(target, args);
}

/**
 * An error as the API answers it: a BotError as it is; anything else is a fault of the peer
 * (INTERNAL), since every parameter was checked at the boundary before the method ran.
 */
export function errorToApi(error: unknown): { code: BotError['code']; message: string } {
  if (error instanceof BotError) return error.toJSON();
  return { code: 'INTERNAL', message: (error as Error)?.message ?? String(error) };
}
