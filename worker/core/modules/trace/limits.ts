// Named bounds of supply-chain traceability (Y.4560 I.1, Y.4464 II.1). Pure.

/** An object identifier (a lot, a container, a product code): 1 to this many characters. */
export const traceIdLengthMax = 128;
/** An information-server address (an http:// or https:// URL of the lot's document). */
export const traceServerLengthMax = 512;
/** New lots one split makes, at most (one lot into many). */
export const traceSplitPartsMax = 64;
/** Lots one merge takes, at most (many into one; one: repackaging under a new identifier). */
export const traceMergeInputsMax = 64;
/** Records one lot keeps (its origin or creation, transfers and holder's records), at most. */
export const traceLotRecordsMax = 256;
/** A backward query follows at most this many split/merge generations back from the asked lot. */
export const traceQueryDepthMax = 256;
/** A backward query visits at most this many lots (the breadth of the whole journey). */
export const traceQueryLotsMax = 2_048;
/** A backward query checks at most this many records (steps) in all. */
export const traceQueryStepsMax = 8_192;
/** Information-server documents a query fetches at most (when it fetches them). */
export const traceFetchDocumentsMax = 256;
/** Bytes of one information-server document at most (a longer one is reported, not hashed). */
export const traceDocumentBytesMax = 1024 * 1024;
/** One information-server fetch waits at most this long. */
export const traceFetchTimeoutMs = 10_000;
