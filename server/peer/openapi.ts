// The OpenAPI 3.1 document of the headless peer's HTTP API (served at GET /v1/openapi.json;
// Y.4560 I.1.4 asks the traceability interface to be HTTP(S) with JSON, POST and GET). It
// describes every route of ./http.ts: server/peer/openapi.test.ts calls each one with good and
// bad input and validates every answer against this document (JSON Schema 2020-12), and fails
// when a route is missing here. Shapes follow worker/api.ts; bytes travel as lowercase hex.
import {
  chainNameLengthMax,
  dataKeyBytesMax,
  inviteLengthMax,
  txBatchCountMax,
  txBytesMax,
  waitTimeoutMsMax,
} from '../../worker/core/limits';
import { itsBodies, itsPaths, itsSchemas } from './openapi-its';
import { traceBodies, tracePaths, traceSchemas } from './openapi-trace';
import { marketBodies, marketPaths, marketSchemas } from './openapi-market';
import { servicesBodies, servicesPaths, servicesSchemas } from './openapi-services';
import { reorderBodies, reorderPaths, reorderSchemas } from './openapi-reorder';
import { analyticsBodies, analyticsPaths, analyticsSchemas } from './openapi-analytics';
import { proxyBodies, proxyPaths, proxySchemas } from './openapi-proxy';
import { validationBodies, validationPaths, validationSchemas } from './openapi-validation';
import { stakingBodies, stakingPaths, stakingSchemas } from './openapi-staking';
import { triggerBodies, triggerPaths, triggerSchemas } from './openapi-triggers';
import { chainsBodies, chainsPaths, chainsSchemas } from './openapi-chains';

import { notifyPaths, notifySchemas } from './openapi-notify';

import { type Schema, did, hex, int, list, nullable, obj, ref, str } from './openapi-schema';

const bool: Schema = { type: 'boolean' };

const schemas: Record<string, Schema> = {
  Error: obj({
    error: obj({
      code: { type: 'string', pattern: '^[A-Z_]+$' },
      message: { type: 'string', minLength: 1 },
    }),
  }),
  TxAccepted: obj({ txId: hex(64) }),
  TxBatchResult: obj({
    accepted: int,
    rejected: int,
    results: {
      ...list({
        oneOf: [
          obj({ status: { const: 'accepted' }, txId: hex(64) }),
          obj({
            status: { const: 'rejected' },
            error: obj({ code: { type: 'string', pattern: '^[A-Z_]+$' }, message: str }),
          }),
        ],
      }),
      maxItems: txBatchCountMax,
    },
  }),
  TxState: obj(
    {
      txId: hex(64),
      status: { enum: ['pending', 'committed', 'rejected'] },
      height: int,
      error: obj({ code: str, message: str }),
    },
    ['height', 'error'],
  ),
  Integrity: obj(
    {
      ok: bool,
      verifiedHeight: int,
      stateVerified: bool,
      problems: list(obj({ height: nullable(int), message: str })),
      checkedAt: { type: 'number' },
      repaired: obj({ movedTo: str, at: { type: 'number' } }),
      store: { type: 'object' },
    },
    ['repaired', 'store'],
  ),
  Status: obj({
    chainId: hex(32),
    chainName: str,
    height: int,
    headHash: hex(64),
    peers: int,
    role: { enum: ['validator', 'member', 'observer'] },
    mode: { enum: ['private', 'consortium', 'public'] },
    consensus: str,
    syncing: bool,
    mempool: int,
    integrity: ref('Integrity'),
    storage: { enum: ['indexeddb', 'memory', 'disk'] },
    verifier: obj({ backend: { enum: ['webcrypto', 'noble'] }, threads: int }),
    admission: { enum: ['admitted', 'waiting'] },
    headerHeight: int,
    readAccess: { enum: ['full', 'headers'] },
    readRefusals: obj({ sent: int, taken: int }),
  }),
  Identity: obj({ did, publicKey: hex(64) }),
  Block: obj({
    hash: hex(64),
    header: obj({
      chain: hex(32),
      height: int,
      prev: hex(64),
      txRoot: hex(64),
      stateRoot: hex(64),
      time: { type: 'number' },
      proposer: str,
      round: int,
    }),
    txIds: list(hex(64)),
    txs: list(
      obj({ txId: hex(64), type: str, from: did, nonce: int, time: { type: 'number' }, body: {} }),
    ),
    cert: nullable(
      obj({ round: int, signers: list(str), sigs: list(obj({ validator: str, sig: hex(128) })) }),
    ),
  }),
  Value: obj(
    {
      value: {},
      deleted: bool,
      height: int,
      txId: hex(64),
      proof: obj({ key: str, entry: str, siblings: list(str), stateRoot: hex(64), height: int }),
      validation: ref('ValueValidation'),
      sealed: ref('SealedValue'),
    },
    ['validation', 'sealed'],
  ),
  /** A value sealed under a read role (issue 15): opened on a holder's peer, else value null. */
  SealedValue: obj(
    { role: nullable(str), readers: list(str), opened: bool, reason: str, waiting: list(str) },
    ['reason', 'waiting'],
  ),
  /** Which sealed values to share with holders granted their read role later (issue 15). */
  ShareSealed: obj({ prefix: str }, ['prefix']),
  ShareSealedResult: obj({ shared: int, waiting: int, txId: hex(64) }, ['txId']),
  AbsenceProof: obj({
    key: str,
    siblings: list(hex(64)),
    other: nullable(obj({ keyHash: hex(64), valueHash: hex(64) })),
    stateRoot: hex(64),
    height: int,
  }),
  History: list(
    obj(
      {
        height: int,
        value: {},
        deleted: bool,
        txId: hex(64),
        validation: ref('VersionValidation'),
        sealed: ref('SealedValue'),
      },
      ['validation', 'sealed'],
    ),
  ),
  Chains: list(
    obj(
      {
        chainId: hex(32),
        name: str,
        mode: { enum: ['private', 'consortium', 'public'] },
        consensus: str,
        // -1: a chain whose store could not be opened at start (running false, fault says why)
        height: { type: 'integer', minimum: -1 },
        active: bool,
        role: { enum: ['validator', 'member', 'observer'] },
        // several chains per peer (issue 18)
        running: bool,
        left: bool,
        first: bool,
        peers: int,
        syncing: bool,
        fault: nullable(str),
      },
      ['running', 'left', 'first', 'peers', 'syncing', 'fault'],
    ),
  ),
  ChainCreated: obj({ chainId: hex(32), invite: str }),
  Invite: obj({ invite: str }),
  InviteInfo: obj({
    chainId: hex(32),
    name: str,
    mode: { enum: ['private', 'consortium', 'public'] },
    consensus: str,
    validators: list(str),
    createdAt: { type: 'number' },
    inviter: nullable(str),
    inviterIsValidator: bool,
    admission: { enum: ['open', 'vote', 'manual'] },
    relays: list(str),
    held: bool,
    active: bool,
    validatorHere: bool,
  }),
  Joined: obj({ chainId: hex(32) }),
  Network: obj({
    did,
    room: nullable(str),
    neighbours: list(
      obj({
        did,
        validator: bool,
        ring: bool,
        state: { enum: ['connecting', 'open', 'closed'] },
        rttMs: nullable({ type: 'number' }),
        via: str,
        height: nullable(int),
      }),
    ),
    relays: list(obj({ url: str, state: { enum: ['connecting', 'open', 'closed', 'failed'] } })),
    webrtc: { enum: ['ok', 'blocked', 'unknown'] },
    notice: nullable(str),
  }),
  Repair: obj({ movedTo: str, status: ref('Status') }),
  Log: list(
    obj({ time: { type: 'number' }, level: { enum: ['info', 'warn', 'error'] }, message: str }),
  ),
  Audit: obj({
    format: str,
    did,
    base: nullable({ type: 'object' }),
    entries: list(
      obj({
        seq: int,
        time: { type: 'number' },
        level: str,
        message: str,
        prev: hex(64),
        hash: hex(64),
      }),
    ),
    head: obj({ did, seq: int, hash: hex(64), time: { type: 'number' }, sig: hex(128) }),
    persisted: bool,
  }),
  Governance: obj({
    validators: list(obj({ did: str, power: int })),
    members: list(str),
    proposals: list(
      obj({ id: str, change: {}, height: int, approvals: list(str), passed: int, applied: bool }),
    ),
    offenders: list(obj({ did: str, height: int })),
    engine: str,
  }),
  Settings: obj(
    {
      relays: list(str),
      iceServers: list({ type: 'object' }),
      blobQuotaBytes: int,
      linksMax: { type: 'integer', minimum: 2, maximum: 64 },
    },
    ['blobQuotaBytes', 'linksMax'],
  ),
  Datasets: list(
    obj({
      id: str,
      owner: did,
      mine: bool,
      labels: list(str),
      schema: str,
      policy: obj({ mode: { enum: ['owner', 'closed', 'list'] } }),
      readers: list(str),
      versions: list(
        obj({
          version: int,
          fingerprint: hex(64),
          sealedBytes: int,
          height: int,
          time: { type: 'number' },
          txId: hex(64),
          readers: list(str),
          readable: bool,
          view: nullable({ type: 'object' }),
        }),
      ),
      viewers: list(obj({ reader: did, view: { type: 'object' } })),
      requests: list({ type: 'object' }),
      height: int,
      txId: hex(64),
    }),
  ),
  DatasetVersionAdded: obj({ txId: hex(64), version: int, fingerprint: hex(64), sealedBytes: int }),
  DatasetLog: list(
    obj(
      {
        kind: {
          enum: [
            'publish',
            'version',
            'request',
            'grant',
            'deny',
            'revoke',
            'access',
            'derive',
            'job',
            'partial',
            'confirm',
            'forward',
          ],
        },
        dataset: str,
        reader: nullable(str),
        version: nullable(int),
        purpose: nullable(str),
        by: str,
        for: did,
        height: int,
        time: { type: 'number' },
        txId: hex(64),
      },
      ['for'],
    ),
  ),
  RpcResult: obj({ result: {} }),
  OpenApi: obj({
    openapi: { type: 'string', pattern: '^3\\.1\\.' },
    info: { type: 'object' },
    paths: { type: 'object' },
  }),
  // ---- tokens (issue 16) ----
  Balance: obj({
    account: str,
    balance: int,
    symbol: nullable(str),
    fee: int,
    supply: int,
    height: int,
    proof: nullable({ type: 'object' }),
  }),
  TokenHistory: list(
    obj(
      {
        txId: hex(64),
        height: int,
        dir: { enum: ['out', 'in', 'mint', 'fee'] },
        with: nullable(str),
        amount: int,
        fee: int,
        memo: str,
        balanceAfter: nullable(int),
      },
      ['fee', 'memo'],
    ),
  ),
  // ---- cross-chain operations (issue 18) ----
  XchainOverview: obj({
    chainId: hex(32),
    height: int,
    genesis: { type: 'object' },
    links: list(
      obj({
        chain: hex(32),
        mode: { enum: ['contract', 'relay', 'shared'] },
        verifiedHeight: nullable(int),
        notaries: list(did),
        quorum: nullable(int),
        height: int,
      }),
    ),
    operations: list(
      obj({
        id: hex(64),
        side: { enum: ['out', 'in'] },
        source: hex(32),
        target: hex(32),
        from: did,
        to: did,
        asset: obj({ kind: { enum: ['tokens', 'record', 'grant'] } }),
        deadline: int,
        status: { enum: ['locked', 'finalized', 'aborted', 'committed', 'refused'] },
        height: int,
      }),
    ),
  }),
  XchainLocked: obj({ txId: hex(64), id: hex(64) }),

  ...itsSchemas,
  ...traceSchemas,
  ...marketSchemas,
  ...servicesSchemas,
  ...reorderSchemas,
  ...analyticsSchemas,
  ...proxySchemas,
  ...validationSchemas,
  ...stakingSchemas,
  ...triggerSchemas,
  ...chainsSchemas,

  ...notifySchemas,
};

// ---- request bodies ----
const rawTx: Schema = {
  type: 'string',
  maxLength: 2 * txBytesMax,
  pattern: '^([0-9a-fA-F]{2})*$',
};
const requestBodies: Record<string, Schema> = {
  Tx: { oneOf: [obj({ type: str, body: {} }), obj({ raw: rawTx })] },
  TxBatch: obj({
    txs: { ...list(obj({ raw: rawTx })), maxItems: txBatchCountMax },
  }),
  CreateChain: obj(
    {
      name: { type: 'string', minLength: 1, maxLength: chainNameLengthMax },
      mode: { enum: ['private', 'consortium', 'public'] },
      consensus: { enum: ['solo', 'poa', 'bft'] },
      validators: list(did),
      timeoutMs: int,
      emptyBlockIntervalMs: int,
      // A native token (issue 16) and road conditions (issue 20): as createChain takes them.
      tokens: obj(
        {
          symbol: str,
          allocations: list(obj({ did, amount: int })),
          fee: int,
          minter: did,
          supplyMax: int,
        },
        ['fee', 'minter', 'supplyMax'],
      ),
      its: obj(
        {
          providers: list(did),
          windowMs: int,
          reward: int,
          corroborationMin: int,
          contract: str,
        },
        ['windowMs', 'reward', 'corroborationMin', 'contract'],
      ),
    },
    ['validators', 'timeoutMs', 'emptyBlockIntervalMs', 'tokens', 'its'],
  ),
  Invite: obj({ invite: { type: 'string', minLength: 1, maxLength: inviteLengthMax } }),
  Join: obj(
    {
      invite: { type: 'string', minLength: 1, maxLength: inviteLengthMax },
      light: { type: 'boolean' },
    },
    ['light'],
  ),
  SettingsPatch: { type: 'object' },
  PublishDataset: obj({ id: str, labels: list(str), schema: str, policy: { type: 'object' } }, [
    'labels',
    'schema',
    'policy',
  ]),
  Purpose: obj({ purpose: str, view: { type: 'object' }, for: did }, ['view', 'for']),
  Decision: obj({ grant: bool, view: { type: 'object' } }, ['view']),
  Reader: obj({ reader: did }),
  Rpc: obj({ params: list({}) }, ['params']),
  XchainLink: {
    ...obj(
      {
        chain: hex(32),
        mode: { enum: ['contract', 'relay', 'shared'] },
        genesis: { type: 'object' },
        notaries: { ...list(did), minItems: 1 },
        quorum: { type: 'integer', minimum: 1 },
      },
      ['genesis', 'notaries', 'quorum'],
    ),
    additionalProperties: false,
  },
  XchainLock: {
    ...obj(
      {
        target: hex(32),
        to: did,
        asset: {
          oneOf: [
            obj({ kind: { const: 'tokens' }, amount: { type: 'integer', minimum: 1 } }),
            obj({ kind: { const: 'record' }, key: { type: 'string', minLength: 1 }, value: {} }),
          ],
        },
        deadline: int,
      },
      ['to', 'deadline'],
    ),
    additionalProperties: false,
  },
  XchainFund: obj({ amount: { type: 'integer', minimum: 1 } }),
  Transfer: {
    ...obj({ to: did, amount: { type: 'integer', minimum: 1 }, memo: str }, ['memo']),
    additionalProperties: false,
  },
  ...traceBodies,
  ...marketBodies,
  ...servicesBodies,
  ...reorderBodies,
  ...analyticsBodies,
  ...proxyBodies,
  ...validationBodies,
  ...itsBodies,
  ...stakingBodies,
  ...triggerBodies,
  ...chainsBodies,
};

// ---- operations ----
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const errorStatuses = [
  '400',
  '403',
  '404',
  '405',
  '409',
  '413',
  '415',
  '422',
  '500',
  '503',
  '504',
  '507',
];
const errors = Object.fromEntries(
  errorStatuses.map((s) => [
    s,
    { description: 'An error: { error: { code, message } }.', ...json(ref('Error')) },
  ]),
);
const pathParam = (name: string, schema: Schema = str) => ({
  name,
  in: 'path',
  required: true,
  schema,
});

interface Op {
  summary: string;
  ok: [status: string, schema: Schema | 'events' | 'bytes'];
  body?: string | 'content';
  params?: Array<Record<string, unknown>>;
}

function operation(op: Op): Record<string, unknown> {
  const [status, schema] = op.ok;
  const okContent =
    schema === 'events'
      ? { content: { 'text/event-stream': { schema: str } } }
      : schema === 'bytes'
        ? {
            content: {
              'application/octet-stream': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
            },
          }
        : json(schema);
  return {
    summary: op.summary,
    ...(op.params ? { parameters: op.params } : {}),
    ...(op.body === 'content'
      ? {
          requestBody: {
            required: true,
            content: {
              'application/octet-stream': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
              'application/json': { schema: obj({ text: str }) },
            },
          },
        }
      : op.body
        ? { requestBody: { $ref: `#/components/requestBodies/${op.body}` } }
        : {}),
    responses: { [status]: { description: 'Success.', ...okContent }, ...errors },
  };
}

const id = [pathParam('id')];
const paths: Record<string, Record<string, Op>> = {
  '/v1/status': {
    get: { summary: 'Chain, peer and integrity status.', ok: ['200', ref('Status')] },
  },
  '/v1/identity': { get: { summary: "The peer's identity.", ok: ['200', ref('Identity')] } },
  '/v1/tx': {
    post: {
      summary:
        "Submit a transaction (signed here, or raw hex). A data.put signed here under a read role is sealed for the role's holders first.",
      ok: ['202', ref('TxAccepted')],
      body: 'Tx',
    },
  },
  '/v1/tx/batch': {
    post: {
      summary: `Submit up to ${txBatchCountMax} transactions signed elsewhere (raw hex); each gets its own answer, in order.`,
      ok: ['200', ref('TxBatchResult')],
      body: 'TxBatch',
    },
  },
  '/v1/tx/{id}': {
    get: {
      summary: "A transaction's result, waiting up to timeoutMs.",
      ok: ['200', ref('TxState')],
      params: [
        pathParam('id', hex(64)),
        { name: 'timeoutMs', in: 'query', schema: { ...int, maximum: waitTimeoutMsMax } },
      ],
    },
  },
  '/v1/blocks/{height}': {
    get: {
      summary: 'A block.',
      ok: ['200', ref('Block')],
      params: [pathParam('height', { type: 'string', pattern: '^\\d+$' })],
    },
  },
  '/v1/state/{key}': {
    get: {
      summary:
        "A value with its state proof; under a read role the value is sealed: opened on a holder's peer, else null with `sealed.opened` false.",
      ok: ['200', ref('Value')],
      params: [pathParam('key', { type: 'string', maxLength: dataKeyBytesMax })],
    },
  },
  '/v1/state/{key}/absence': {
    get: {
      summary:
        'The proof that nothing is stored under a key (404 when it has a value: GET /v1/state/{key} proves it).',
      ok: ['200', ref('AbsenceProof')],
      params: [pathParam('key', { type: 'string', maxLength: dataKeyBytesMax })],
    },
  },
  '/v1/sealed/share': {
    post: {
      summary:
        'Share the sealed values this peer can open (current versions and the kept earlier ones) with holders granted their read role later (data.share): one batch of at most sealedSharesPerTxMax versions now, the rest in the background.',
      ok: ['200', ref('ShareSealedResult')],
      body: 'ShareSealed',
    },
  },
  '/v1/state/{key}/history': {
    get: {
      summary: "A key's versions, each proved against its block.",
      ok: ['200', ref('History')],
      params: [pathParam('key')],
    },
  },
  '/v1/chains': {
    get: { summary: 'Chains this peer holds.', ok: ['200', ref('Chains')] },
    post: {
      summary:
        'Create a chain, run it beside the others and make it active (QUOTA past chainsActiveMax).',
      ok: ['201', ref('ChainCreated')],
      body: 'CreateChain',
    },
  },
  '/v1/chains/{id}/use': {
    post: {
      summary: 'Make a held chain active.',
      ok: ['200', ref('Status')],
      params: [pathParam('id', hex(32))],
    },
  },
  '/v1/invite': {
    get: { summary: 'An invite link for the active chain.', ok: ['200', ref('Invite')] },
  },
  '/v1/invite/info': {
    post: {
      summary: 'What an invite link offers.',
      ok: ['200', ref('InviteInfo')],
      body: 'Invite',
    },
  },
  '/v1/join': {
    post: {
      summary: "Join an invite's chain (light: true, as a light peer: headers and proofs only).",
      ok: ['200', ref('Joined')],
      body: 'Join',
    },
  },
  '/v1/network': { get: { summary: 'Neighbours and relays.', ok: ['200', ref('Network')] } },
  '/v1/integrity': {
    get: {
      summary: 'The tamper check report (and the disk store report).',
      ok: ['200', ref('Integrity')],
    },
  },
  '/v1/repair': {
    post: {
      summary: 'Set a damaged store aside and re-sync (refused when the check passed).',
      ok: ['202', ref('Repair')],
    },
  },
  '/v1/log': { get: { summary: 'The operation log.', ok: ['200', ref('Log')] } },
  '/v1/audit': { get: { summary: 'The signed audit log export.', ok: ['200', ref('Audit')] } },
  '/v1/governance': {
    get: { summary: 'Validators, members, proposals, offenders.', ok: ['200', ref('Governance')] },
  },
  '/v1/settings': {
    get: { summary: 'Relays and ICE servers.', ok: ['200', ref('Settings')] },
    patch: { summary: 'Change settings.', ok: ['200', ref('Settings')], body: 'SettingsPatch' },
  },
  '/v1/datasets': {
    get: { summary: 'Confidential datasets.', ok: ['200', ref('Datasets')] },
    post: { summary: 'Publish a dataset.', ok: ['202', ref('TxAccepted')], body: 'PublishDataset' },
  },
  '/v1/datasets/{id}/versions': {
    post: {
      summary: 'Seal and record a version.',
      ok: ['202', ref('DatasetVersionAdded')],
      body: 'content',
      params: id,
    },
  },
  '/v1/datasets/{id}/requests': {
    post: {
      summary: 'Ask for access.',
      ok: ['202', ref('TxAccepted')],
      body: 'Purpose',
      params: id,
    },
  },
  '/v1/dataset-requests/{id}/decision': {
    post: {
      summary: 'Grant or deny a request.',
      ok: ['202', ref('TxAccepted')],
      body: 'Decision',
      params: [pathParam('id', hex(64))],
    },
  },
  '/v1/datasets/{id}/revoke': {
    post: {
      summary: "End a reader's access.",
      ok: ['202', ref('TxAccepted')],
      body: 'Reader',
      params: id,
    },
  },
  '/v1/datasets/{id}/log': {
    get: { summary: "A dataset's access log.", ok: ['200', ref('DatasetLog')], params: id },
  },
  '/v1/datasets/{id}/content': {
    get: {
      summary: 'Read a version (recorded on chain), decrypted here.',
      ok: ['200', 'bytes'],
      params: [
        ...id,
        { name: 'version', in: 'query', schema: int },
        { name: 'purpose', in: 'query', schema: str },
      ],
    },
  },
  '/v1/balance': {
    get: { summary: "This peer's token balance, with its proof.", ok: ['200', ref('Balance')] },
  },
  '/v1/balance/{account}': {
    get: {
      summary: 'An account balance (a did or contract:<name>), with its proof.',
      ok: ['200', ref('Balance')],
      params: [pathParam('account')],
    },
  },
  '/v1/balance/{account}/history': {
    get: {
      summary: "An account's token movements, newest first.",
      ok: ['200', ref('TokenHistory')],
      params: [pathParam('account'), { name: 'limit', in: 'query', schema: int }],
    },
  },
  '/v1/transfer': {
    post: {
      summary: 'Send tokens as this peer (checked against the balance before signing).',
      ok: ['202', ref('TxAccepted')],
      body: 'Transfer',
    },
  },
  '/v1/xchain': {
    get: {
      summary: "This chain's links to other chains and its cross-chain operations.",
      ok: ['200', ref('XchainOverview')],
    },
  },
  '/v1/xchain/links': {
    post: {
      summary: 'Link a remote chain (a validator): contract mode from its genesis, or notaries.',
      ok: ['202', ref('TxAccepted')],
      body: 'XchainLink',
    },
  },
  '/v1/xchain/lock': {
    post: {
      summary: 'Lock tokens or a record here for another chain (its id is the lock txId).',
      ok: ['202', ref('XchainLocked')],
      body: 'XchainLock',
    },
  },
  '/v1/xchain/fund': {
    post: {
      summary: "Pay tokens into this chain's bridge reserve.",
      ok: ['202', ref('TxAccepted')],
      body: 'XchainFund',
    },
  },
  ...itsPaths,
  ...tracePaths,
  ...marketPaths,
  ...servicesPaths,
  ...reorderPaths,
  ...analyticsPaths,
  ...proxyPaths,
  ...validationPaths,
  ...stakingPaths,
  ...triggerPaths,
  ...chainsPaths,

  ...notifyPaths,
  '/v1/openapi.json': { get: { summary: 'This document.', ok: ['200', ref('OpenApi')] } },
  '/v1/events': {
    get: {
      summary: 'Peer events as Server-Sent Events.',
      ok: ['200', 'events'],
      params: [{ name: 'types', in: 'query', schema: str }],
    },
  },
  '/v1/rpc/{method}': {
    post: {
      summary: 'Any other method of window.bot by name.',
      ok: ['200', ref('RpcResult')],
      body: 'Rpc',
      params: [pathParam('method')],
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'BoT peer HTTP API',
    version: '1',
    description:
      'The HTTP+JSON API of the headless BoT peer (ITU-T Y.4560 I.1.4): the same methods as window.bot. Errors are { error: { code, message } }; bytes are lowercase hex. A peer runs several chains at once: every route of one chain takes ?chain=<chain id>, or the prefix /v1/chains/<chain id>/ before its path (e.g. /v1/chains/<id>/status); without either it runs on the active chain. See docs/API.md.',
  },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  // No credentials on loopback by default; off loopback (or with --api-token-file) the bearer token.
  security: [{}, { bearerToken: [] }],
  paths: Object.fromEntries(
    Object.entries(paths).map(([path, ops]) => [
      path,
      Object.fromEntries(Object.entries(ops).map(([method, op]) => [method, operation(op)])),
    ]),
  ),
  components: {
    schemas,
    securitySchemes: {
      bearerToken: {
        type: 'http',
        scheme: 'bearer',
        description:
          "The token in the peer's api.token file (<data-dir>/api.token, or --api-token-file). Required when the peer listens off loopback or names a token file; a request without it gets 401 UNAUTHORIZED.",
      },
    },
    requestBodies: Object.fromEntries(
      Object.entries(requestBodies).map(([name, schema]) => [
        name,
        { required: true, ...json(schema) },
      ]),
    ),
  },
};
