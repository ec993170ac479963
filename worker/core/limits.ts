// Every bound the peer enforces, in one place (TigerBeetle style). Names say units last.
// A limit that is hit produces a typed error (worker/core/errors.ts), never a crash.

/** Largest encoded transaction envelope accepted from anyone. */
export const txBytesMax = 16 * 1024;
/** Largest `body` of a transaction, encoded. */
export const txBodyBytesMax = 12 * 1024;
/** Keys of BoT data: UTF-8 bytes, at least one. */
export const dataKeyBytesMax = 256;
/** Values of BoT data, encoded. */
export const dataValueBytesMax = 8 * 1024;
/** Nesting depth of a structured data value (maps and arrays). */
export const dataValueDepthMax = 8;
/**
 * A sealed data.put value (a key under a read:<prefix> role, worker/core/modules/data/sealed.ts):
 * its AES-256-GCM box at most (the encoded value plus the 16-byte tag).
 */
export const sealedValueBytesMax = dataValueBytesMax + 16;
/**
 * Holders one sealed value's content key is wrapped for, at most (about 150 bytes each); so a
 * read role names at most this many holders. A large value with many holders meets
 * txBodyBytesMax first.
 */
export const sealedValueHoldersMax = 24;
/**
 * Values one data.share carries wraps for (worker/core/modules/data/share.ts): a holder granted
 * a read role later is given a prefix's earlier values in batches of at most this many, one
 * transaction at a time per sharing peer (worker/host/sealed-share.ts), so sharing a large prefix
 * takes many small blocks' room instead of one caller filling blocks.
 */
export const sealedSharesPerTxMax = 16;
/**
 * Earlier sealed versions of one key kept shareable (worker/core/modules/data/share.ts): when a
 * sealed value is written over, its version joins the key's list (newest first); past this many
 * the oldest falls off and stays closed to holders granted the role later. Bounds the list's
 * state entry (about 1.4 KB a version at sealedValueHoldersMax readers) and the core's memory.
 */
export const sealedVersionsKeptMax = 8;
/**
 * Blocks the n-th holder able to share a sealed value with a holder granted later waits (times
 * n) before its peer shares it itself, so that the first sharer's peer goes first and an offline
 * one is covered by the next (worker/host/sealed-share.ts).
 */
export const sealedShareWaitBlocks = 5;
/**
 * Blocks after which a read role holder's identity.x25519 (its X25519 key, so values can be sealed
 * for it) sent but not on chain is sent again (worker/host/sealed-values.ts on a full peer,
 * worker/host/light-reader-key.ts on a light peer, where it also waits for the first to settle).
 */
export const sealedKeyResendBlocks = 10;
/** Blocks after which a data.share sent but not committed is given up and its values tried again. */
export const sealedShareResendBlocks = 10;
/** Stakeholders a data.put may name (who may validate the value, D-9.4). */
export const dataStakeholdersMax = 16;
/** Length of a transaction type name. */
export const txTypeLengthMax = 64;
/** Transactions in one block. */
export const blockTxCountMax = 2000;
/** Signature checks a host remembers as verified (a gossiped transaction is not verified again in a proposal). */
export const verifiedSignaturesCachedMax = 50_000;
/** State key hashes remembered (a key written in many blocks is hashed once). */
export const stateKeyHashesCachedMax = 65_536;
/** Signature verifier threads beside the peer's own (worker/host/verifier-pool.ts). */
export const verifierThreadsMax = 4;
/** Batches of at most this many checks are verified on the peer's thread (a round trip to a verifier thread costs more). */
export const verifyInThreadChecksMax = 2;
/** Smallest share of a batch sent to one verifier thread. */
export const verifyJobChecksMin = 64;
/** Largest share of a batch sent to one verifier thread (its verdicts come back as one). */
export const verifyJobChecksMax = 256;
/** Submitted transactions are verified and fed to the core in chunks of at most this many, in order. */
export const submissionChunkTxCountMax = 256;
/** Encoded size of one block (header, transactions, certificate). */
export const blockBytesMax = 8 * 1024 * 1024;
/** Transactions waiting for a block. */
export const mempoolTxCountMax = 20_000;
/** Pending transactions of one account in the mempool. */
export const mempoolPerAccountMax = 5_000;
/** Mempool transactions handed to a neighbour when it connects (writes queued while alone). */
export const txsHandedToNewNeighbourMax = 1_000;
/** Chain names, in characters. */
export const chainNameLengthMax = 64;
/** Validators of one chain. */
export const validatorCountMax = 128;
/** Signatures in a commit certificate. */
export const certificateSignatureCountMax = validatorCountMax;
/** Heights remembered for txId -> result look-ups while a caller waits. */
export const recentResultsMax = 50_000;
/** Largest waitFor timeout a caller may ask for. */
export const waitTimeoutMsMax = 10 * 60 * 1000;
/** Largest RPC message from the page to the worker. */
export const rpcMessageBytesMax = 1024 * 1024;
/** Largest call carrying a dataset version's content from the page (putDatasetVersion). */
export const rpcContentBytesMax = 256 * 1024 * 1024;
/** Entries the operation log keeps (oldest dropped first). */
export const operationLogEntriesMax = 2_000;
/** Largest encoded consensus message (a proposal carries a whole block). */
export const consensusMessageBytesMax = blockBytesMax + 4 * 1024;
/** Rounds above the current one whose votes a peer stores (higher rounds count only for round skipping). */
export const roundsAheadStoredMax = 32;
/** Rounds below the current one whose votes a peer keeps (besides the locked and valid rounds). */
export const roundsBehindStoredMax = 8;
/** Proposed blocks a peer keeps executed while deciding one height. */
export const candidatesPerHeightMax = 64;
/** Committed blocks a peer keeps in memory to help lagging peers catch up. */
export const recentCommitsMax = 64;
/** Blocks sent to one lagging peer in one catch-up reply. */
export const catchUpBlocksMax = 8;
/** Peers whose last catch-up time is remembered (cleared when full). */
export const catchUpPeersMax = 256;
/** Misbehaviour records a peer keeps until they are submitted. */
export const evidencePendingMax = 64;
/** Open (not yet passed) governance proposals of one chain. */
export const governanceProposalsMax = 256;
/** Length of a policy name. */
export const policyNameLengthMax = 64;
/** Messages for the next height a peer holds until it has decided the current one. */
export const futureMessagesMax = 512;

// ---- peer-to-peer messages above the network layer (worker/host/wire.ts) ----
/** Largest message a peer may send: a sync answer of stored blocks, or a proposal. */
export const wireMessageBytesMax = consensusMessageBytesMax + 1;
/** Blocks per sync request/answer. */
export const syncBatchBlocksMax = 128;
/** Bytes of stored blocks one sync answer carries at most (fewer blocks when they are large). */
export const syncAnswerBytesMax = 4 * 1024 * 1024;
/** Sync requests in flight at once (spread over several peers). */
export const syncRequestsInFlightMax = 4;
/** A sync request not answered within this time goes to another peer. */
export const syncRequestTimeoutMs = 10_000;
/** Heights behind the best neighbour before batch sync starts (smaller gaps: consensus catch-up). */
export const syncLagBlocksMin = 4;
/** A smaller lag that stands still this long is pulled by batch sync too (an idle chain). */
export const syncSmallLagWaitMs = 1_000;
/**
 * A neighbour that answered with headers only (this peer may not read the chain's payload yet)
 * is asked for blocks again after this long: it serves them once the validators admit this peer.
 */
export const syncHeadersOnlyRetryMs = 2_000;
/** Neighbours a syncing peer remembers as serving headers only (cleared when full). */
export const syncPeersTrackedMax = 256;
/** Refused reads and sends (read rights) logged by peer and kind before the log set is cleared. */
export const readRefusalsLoggedMax = 256;

// ---- devices (issue 6): worker/core/devices.ts, worker/host/devices-host.ts ----
/** Devices registered on one chain. */
export const deviceCountMax = 10_000;
/** A device's id as its gateway names it (e.g. "hr-strap-1"), in characters. */
export const deviceIdLengthMax = 64;
/** A device's display name, in characters. */
export const deviceNameLengthMax = 64;
/** Capabilities (quantity names a device reports) of one device. */
export const deviceCapabilitiesMax = 16;
/** One capability or reading value name, in characters. */
export const deviceCapabilityLengthMax = 32;
/** Values in one device reading. */
export const deviceReadingValuesMax = 16;
/** A text value in a device reading, in characters. */
export const deviceReadingTextLengthMax = 64;
/** The message of a device status update, in characters. */
export const deviceStatusMessageLengthMax = 200;
/** Peers named in a device's allow list. */
export const deviceAllowListMax = 32;
/** Open (pending or granted) access requests of one device. */
export const deviceAccessOpenMax = 64;
/** The service name in an access request, in characters. */
export const deviceServiceLengthMax = 64;
/** The purpose in an access request, in characters. */
export const devicePurposeLengthMax = 200;
/** Samples one off-chain batch fingerprint may stand for. */
export const deviceBatchSamplesMax = 100_000;
/** Device key pairs one gateway peer holds. */
export const deviceKeysMax = 256;
/** Encoded size of one off-chain reading batch kept by the gateway. */
export const deviceBatchBytesMax = 1024 * 1024;
/** Readings or access events returned by one API call. */
export const deviceListedMax = 500;
/** Characters of an invite link (it carries the genesis: validators dominate its size). */
export const inviteLengthMax = 32 * 1024;
/** A round engine's base timeout (and a chain's empty-block interval) set at creation, in ms. */
export const roundTimeoutMsMax = 600_000;
/** An identity backup's passphrase, in characters (worker/host/identity-backup.ts). */
export const passphraseLengthMin = 8;
export const passphraseLengthMax = 1024;
/** An identity backup (a small JSON document), in characters. */
export const identityBackupLengthMax = 4096;
/** Joiners whose admission requests a validator's peer keeps track of (older ones are forgotten). */
export const joinRequestsTrackedMax = 256;

// ---- contracts (issue 6, R-7.2.1-b): worker/core/contracts.ts, worker/host/contract-runtime.ts ----
/** Contracts deployed on one chain. */
export const contractCountMax = 256;
/** A contract's name, in characters. */
export const contractNameLengthMax = 32;
/** A contract's JavaScript source, UTF-8 bytes (it travels in one transaction body). */
export const contractCodeBytesMax = 8 * 1024;
/** A method name, in characters. */
export const contractMethodLengthMax = 32;
/** The arguments of one call, as JSON text. */
export const contractArgsBytesMax = 2 * 1024;
/**
 * QuickJS's own memory limit of one call (runtime.setMemoryLimit). In the wasm build QuickJS cannot
 * read the allocator's block sizes, so it refuses any single allocation above this but counts only
 * 8 bytes per block toward it: the real cap on a call's memory is contractWasmMemoryBytes.
 */
export const contractMemoryBytesMax = 2 * 1024 * 1024;
/**
 * The contract engine's whole wasm memory, fixed (it never grows) and reset before every call: what
 * a call can allocate is what is left above the engine's baseline (about 5.4 MiB of data, stack and
 * warm-up heap), the same on every peer, whatever ran before and whatever memory the host has.
 */
export const contractWasmMemoryBytes = 24 * 1024 * 1024;
/** QuickJS's own stack bound (runtime.setMaxStackSize): the engine's C stack in linear memory. */
export const contractStackBytesMax = 256 * 1024;
/**
 * Execution steps of one call (its top level, the method and the result's JSON): the engine's wasm
 * is metered (worker/host/wasm-meter.ts), one step per wasm function entry and loop iteration plus
 * one per contractCopyBytesPerStep bytes copied or filled, so work inside built-ins (JSON, sort,
 * join, regex, string copies, the garbage collector) is paid for like the contract's own code. The
 * count is a function of the wasm instructions run: the same on every peer. Sized so the worst call
 * found (see the adversarial corpus in contract-runtime.test.ts) ends within about 100 ms of CPU.
 */
export const contractStepsMax = 2_000_000;
/**
 * Execution steps the contract deploys and calls of one block may use together (steps as in
 * contractStepsMax, counted the same on every peer). Once a block has used this many, the
 * proposer includes no further contract transaction (they wait for the next block, and so do
 * their senders' later transactions), and a block that runs one after that is BAD_BLOCK
 * (ledger.executeBlock). So a block's contract work ends within this plus one call's
 * contractStepsMax: about 0.5 s of CPU on this machine, whatever the callers send.
 */
export const blockContractStepsMax = 4 * contractStepsMax;
/** memory.copy / memory.fill inside the engine: bytes per step (a power of two). */
export const contractCopyBytesPerStep = 64;
/**
 * Native recursion inside the engine: each wasm function adds its frame weight (4 + its parameters
 * and locals / 4, about a baseline compiler's frame in 32-byte units) while it runs; past this the
 * call ends with CONTRACT_MEMORY. Reached at the same point on every host, and far below the
 * smallest host stack (Node with --stack-size=250, browser workers): see contract-runtime.test.ts.
 */
export const contractFrameWeightMax = 6000;
/** State writes (put or delete) one call may make. */
export const contractWritesPerCallMax = 32;
/** A state key inside the contract's own prefix, UTF-8 bytes. */
export const contractKeyBytesMax = 128;
/** One state value or the call's result, as JSON text. */
export const contractValueBytesMax = 1024;
/** Events one call may emit. */
export const contractEventsPerCallMax = 8;
/** One emitted event, as JSON text. */
export const contractEventBytesMax = 512;
/**
 * Device notices one contract gives one device through its gateway in one block (events addressed
 * { to: <device did> }, worker/host/contract-notices.ts); the gateway drops the rest, counts them
 * and logs the count. Per block, not per minute, so every gateway drops the same notices however
 * late it applies the block; per contract, so a flooding contract cannot crowd out another's.
 */
export const contractNoticesPerDeviceBlockMax = 4;
/** State keys one contract may hold. */
export const contractStateKeysMax = 10_000;
/** Calls, deployments or events returned by one API call. */
export const contractListedMax = 200;

// ---- devices: gated off-chain reads and notifications (issue 6): worker/host/devices-host.ts ----
/** A batch request to a device's gateway not answered within this time fails with TIMEOUT. */
export const deviceBatchRequestTimeoutMs = 10_000;
/** Batch requests one peer has in flight at once. */
export const deviceBatchRequestsInFlightMax = 16;
/** Device notifications (access asked, decided, batch served) a page keeps (oldest dropped first). */
export const deviceNoticesKeptMax = 50;

// ---- devices: device-to-device messages through the chain (r-7.2.2-e): worker/core/devices.ts ----
/** The body of one device.message, in bytes of JSON (a small command or value, not a data stream). */
export const deviceMessageBytesMax = 1024;

// ---- the headless peer's HTTP API (issue 14 §2): server/peer/http.ts ----
/** Open connections to the API (event streams included); more are refused and logged. */
export const httpConnectionsMax = 256;
/** A request's headers must arrive within this (Node's default is 60 s: a slow-header client held a socket that long). */
export const httpHeadersTimeoutMs = 10_000;
/** A request's headers and body must arrive within this (Node's default is 300 s). Responses (long polls, event streams) are not bounded by it. */
export const httpRequestTimeoutMs = 30_000;
/** An idle keep-alive connection is closed after this. */
export const httpKeepAliveTimeoutMs = 5_000;
/** How often Node checks the two timeouts above (its default, 30 s, would let a slow header live 40 s). */
export const httpConnectionsCheckMs = 1_000;
/** Signed transactions in one POST /v1/tx/batch (a bulk loader or a gateway flushing its backlog). */
export const txBatchCountMax = 1_000;
/** Body of one POST /v1/tx/batch in bytes: about 3,000 transactions of 300 bytes in hex, so any list of txBatchCountMax typical ones fits (a list of large ones meets this first). */
export const txBatchBodyBytesMax = 2 * 1024 * 1024;

// ---- the audit log (the operation log, persisted and hash-chained; D-8-audit): worker/core/audit.ts ----
/** Longest message kept in one audit entry, in UTF-16 code units; a longer one is cut and marked. */
export const auditMessageCharactersMax = 2_000;
/** Audit entries kept in storage; beyond this, the oldest are pruned behind a signed checkpoint. */
export const auditLogEntriesMax = 20_000;
/** Entries an export or a verification takes at most (the stored maximum plus one flush's worth). */
export const auditExportEntriesMax = 2 * auditLogEntriesMax;
/** Heights whose step times a host keeps for the benchmark (worker/host/height-trace.ts). */
export const heightsTracedMax = 256;
/** Transactions whose step times wait for the block that holds them (cleared in bulk when full). */
export const txsTracedMax = 4096;

// ---- tokens (issue 16, worker/core/modules/tokens) ----
/**
 * An amount of tokens, in whole base units: a safe integer (CBOR encodes it exactly as an
 * unsigned integer, JSON and a contract's JavaScript number hold it exactly).
 */
export const tokenAmountMax = Number.MAX_SAFE_INTEGER;
/** The total supply of a chain: every balance and every sum of balances stays a safe integer. */
export const tokenSupplyMax = Number.MAX_SAFE_INTEGER;
/** Accounts a genesis allocates tokens to. */
export const tokenAllocationsMax = 1000;
/** The token symbol a genesis names (display only), in characters. */
export const tokenSymbolLengthMax = 8;
/** The memo a transfer may carry, in UTF-8 bytes. */
export const tokenMemoBytesMax = 128;
/** Token moves (ctx.transfer) one contract call may make. */
export const contractTransfersPerCallMax = 16;
/** Token movements one tokenHistory answer lists (newest first). */
export const tokenHistoryListedMax = 200;
/** Payees one device spending rule may list. */
export const tokenRulePayeesMax = 16;
/** One day in ms: a device's spending rule counts per UTC day of block time. */
export const tokenRuleDayMs = 86_400_000;
/** Holders of one role (gov/role/*, worker/core/modules/governance/rights.ts). */
export const roleHoldersMax = 256;
/** Distinct gateways' reports kept per device while it is reported (worker/core/modules/blocklist). */
export const blocklistReportsMax = 64;
/** Length of a report's reason or a lift's note. */
export const blocklistReasonLengthMax = 200;
/** What a gateway takes from one device per minute when devices.messagesPerMinuteMax is not set. */
export const deviceMessagesPerMinuteDefault = 120;
/** Devices whose recent traffic a gateway counts (the oldest is forgotten first). */
export const deviceRateTrackedMax = 1024;
/** Length of a role name ("read:<prefix>" and the like; checked further in the core). */
export const roleNameLengthMax = 70;
/**
 * Read roles a full peer names to a light peer in one answer (lightData.readRoles, the roles the
 * asking identity holds): enough for the light peer to see that it holds one and publish its
 * X25519 key (worker/host/light-reader-key.ts); it needs one.
 */
export const lightReadRolesListedMax = 8;
/** Length of a policy value given as text (a list of transaction types). */
export const policyValueLengthMax = 1024;
/**
 * Chains one peer runs at the same time (several chains per peer, issue 18): its first chain plus
 * chains it created or joined since, each with its own storage namespace and mesh room. One more
 * is refused with QUOTA; a chain held but not running is switched to with useChain.
 */
export const chainsActiveMax = 4;

/** Length of the note that retires a contract. */
export const contractRetireNoteLengthMax = 200;
/** Versions one contract may have (upgrades past it are refused with TOO_LARGE). */
export const contractVersionsMax = 64;

// ---- staking (issue 16, public mode, worker/core/modules/staking) ----
/** Longest epoch (blocks between validator-set recomputations) a genesis may name. */
export const stakingEpochBlocksMax = 100_000;
/** Longest unbonding delay (blocks) a genesis may name. */
export const stakingUnbondingBlocksMax = 1_000_000;
/** Unbonding entries one identity may have waiting at once (one more unbond is refused). */
export const stakingUnbondingEntriesMax = 16;
// ---- contract triggers (issue 17, r-7.2-b): worker/core/modules/contracts/triggers.ts ----
/** Trigger records one contract holds (live and ended; an ended one makes room for a new one). */
export const triggersPerContractMax = 8;
/** Live triggers on one chain. */
export const triggersMax = 256;
/**
 * Trigger runs at the start of one block: the due ones beyond it wait for the next block, oldest
 * due first (never dropped).
 */
export const blockTriggersMax = 8;
/**
 * Contract steps the trigger runs of one block may use before the rest wait for the next block:
 * half of blockContractStepsMax, so that triggers never take the whole budget from the calls.
 */
export const blockTriggerStepsMax = blockContractStepsMax / 2;
/** The largest period of a trigger, in blocks (and how far ahead its first height may be). */
export const triggerEveryMax = 1_000_000;
/** Runs one trigger may be given (count). */
export const triggerCountMax = 1_000_000;
