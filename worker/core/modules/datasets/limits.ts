// Named bounds of confidential datasets (issue 15). Pure: the chain will check records against
// these when this folder moves into worker/core/modules/datasets/.

/** Plaintext bytes per chunk; every chunk but the last is exactly this long. */
export const chunkPlainBytes = 1024 * 1024;
/** AES-GCM tag appended to every encrypted chunk and wrapped key. */
export const gcmTagBytes = 16;
/** A version holds at most this many chunks (4 GiB of plaintext at 1 MiB per chunk). */
export const chunksPerVersionMax = 4096;
/** Plaintext bytes of one version at most. */
export const versionPlainBytesMax = chunksPerVersionMax * chunkPlainBytes;
/** An encoded manifest at most: about 45 bytes per chunk entry plus the header. */
export const manifestBytesMax = 256 * 1024;
/** Readers one version's key is wrapped for, at most (each costs about 150 bytes on chain). */
export const readersPerVersionMax = 256;
/** Holders per blob when the chain sets none (Y.4560 8.2: "k peers"). */
export const holdersDefault = 3;
/** Holders per blob a chain may ask for, at most. */
export const holdersMax = 16;
/** Member dids placement chooses among, at most. */
export const placementMembersMax = 10_000;
/** Dataset id: 1 to this many characters of [A-Za-z0-9._-]. */
export const datasetIdLengthMax = 64;
/** Labels per dataset, and characters per label. */
export const labelsMax = 16;
export const labelLengthMax = 64;
/** Schema text (a short description or a JSON schema) at most. */
export const schemaLengthMax = 4096;
/** Version numbers start at 1 and stay below this. */
export const versionNumberMax = 2 ** 31;

// ---- on-chain records (dataset.* and identity.x25519 transactions) ----
/** A purpose statement (D-I.2: the permitted use) is 1 to this many characters. */
export const purposeLengthMax = 500;
/** Datasets one chain holds at most. */
export const datasetsPerChainMax = 10_000;
/** Readers one dataset is shared with at once (the owner wraps for itself too). */
export const readersPerDatasetMax = readersPerVersionMax - 1;
/** Requests waiting for the owner (pending or approved by rule) per dataset. */
export const requestsOpenPerDatasetMax = 256;
/** Earlier versions one grant carries keys for (older versions stay unshared). */
export const grantVersionsMax = 64;
/** Dids a dataset's policy may list as granted by rule. */
export const policyAllowMax = 256;
/** Versions one dataset.forward (a data proxy to its enterprise, Annex I.2) carries keys for. */
export const forwardVersionsMax = grantVersionsMax;
