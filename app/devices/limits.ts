// Every bound the device decoders and simulators enforce, in one place. Names say units last.
// A limit that is hit produces a DeviceDataError (./errors.ts), never a crash or a silent cut.

/**
 * Largest GATT attribute value, in bytes (Bluetooth Core 5.x, Vol 3, Part F, 3.2.9: an attribute
 * value is at most 512 octets). A longer DataView cannot be a real characteristic value.
 */
export const gattValueBytesMax = 512;

/**
 * Longest NMEA 0183 sentence, in characters, counting the leading `$` and the closing CR LF
 * (NMEA 0183 v4.11, 5.3). High-precision receivers (e.g. Trimble RTK with 8 decimals of minutes)
 * exceed it; callers who accept such receivers pass a larger `sentenceCharactersMax`, at most
 * `nmeaSentenceCharactersAcceptedMax`.
 */
export const nmeaSentenceCharactersMax = 82;

/** Upper bound a caller may choose for `parseNmea(..., { sentenceCharactersMax })`. */
export const nmeaSentenceCharactersAcceptedMax = 256;

/** Fields in one NMEA sentence (GSV and vendor sentences have the most; GSA has 18). */
export const nmeaFieldsMax = 40;

/**
 * Longest line a serial transport may deliver before the splitter gives up on it. Covers an NMEA
 * sentence from a high-precision receiver and the longest ELM327 reply line (a 29-bit CAN frame
 * with spaces: 8 + 8 * 3 characters) with a wide margin.
 */
export const serialLineCharactersMax = 512;

/** Longest whole ELM327 reply text `decodeObdResponse` accepts (many ECUs, many lines). */
export const obdReplyCharactersMax = 4096;

/** Lines in one ELM327 reply (an ECU per line; a real vehicle has fewer than 16 ECUs). */
export const obdReplyLinesMax = 64;

/** PIDs in one mode 01 request: the ELM327 forwards at most six (SAE J1979 / ISO 15031-5). */
export const obdPidsPerRequestMax = 6;

/** Longest command the ELM327 simulator buffers before it answers `?` (the real chip: ~40). */
export const elmCommandCharactersMax = 64;

/** RR-intervals in one Heart Rate Measurement value: (512 - 1 flag - 2 rate) / 2, rounded down. */
export const heartRateRrIntervalsMax = Math.floor((gattValueBytesMax - 3) / 2);

/** Values kept from one line of a JSON serial sensor (the chain's limit per reading: 16). */
export const deviceReadingValuesMaxForJson = 16;

/**
 * Bytes per GATT write to a BLE serial adapter: the default ATT MTU (23) less the 3-byte header
 * (Bluetooth Core 5.x, Vol 3, Part F, 3.4.5.1). Longer commands are split into such writes.
 */
export const bleWriteChunkBytesMax = 20;

/**
 * Bytes of one ELM327 reply (from a command to its `>` prompt) a BLE adapter may send in
 * notifications; more is an adapter stuck streaming (a monitor mode, a wrong device) and fails
 * the command with TOO_LARGE. As many as decodeObdResponse accepts as text.
 */
export const bleElmReplyBytesMax = obdReplyCharactersMax;

/**
 * Reconnecting a BLE OBD-II adapter that dropped (./bleElm.ts keepBleElm327): the first wait,
 * doubled after each failed try up to the longest wait, for at most so many tries (about three
 * minutes in all: an adapter rebooting as the engine cranks, a phone that went out of range).
 */
export const bleReconnectDelayMs = 1_000;
export const bleReconnectDelayMaxMs = 30_000;
export const bleReconnectAttemptsMax = 10;
