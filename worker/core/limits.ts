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
/** Length of a transaction type name. */
export const txTypeLengthMax = 64;
/** Transactions in one block. */
export const blockTxCountMax = 2000;
/** Encoded size of one block (header, transactions, certificate). */
export const blockBytesMax = 8 * 1024 * 1024;
/** Transactions waiting for a block. */
export const mempoolTxCountMax = 20_000;
/** Pending transactions of one account in the mempool. */
export const mempoolPerAccountMax = 5_000;
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
/** Entries the operation log keeps (oldest dropped first). */
export const operationLogEntriesMax = 2_000;
