// Operating errors of the device decoders: a bad value from a sensor, a garbled serial line, a
// reply the decoder does not know. They are typed values with a plain message that names what was
// wrong, so the UI can show it and the transport can carry on with the next value.
//
// A wrong argument type from our own code (not a DataView, not a string) is a programmer error and
// throws TypeError with the argument's name, as the noble libraries do.

export type DeviceDataErrorCode =
  /** The value ends before a field its own flags or format say is there. */
  | 'SHORT_VALUE'
  /** The checksum in the data does not match the data (NMEA `*hh`, legacy OBD header checksum). */
  | 'BAD_CHECKSUM'
  /** A field the format requires is absent (a hemisphere without its latitude, no checksum). */
  | 'MISSING_FIELD'
  /** The text or bytes do not follow the format (non-hex digits, a minute of 61, stray bytes). */
  | 'MALFORMED'
  /** Well-formed, but not something this decoder implements (GSV, an unknown PID, ISO-TP). */
  | 'UNSUPPORTED'
  /** The value is well-formed but outside the range the standard allows (battery 101 %). */
  | 'OUT_OF_RANGE'
  /** A line or sentence is longer than its named limit in limits.ts. */
  | 'LINE_TOO_LONG'
  /** A value or reply is larger than its named limit in limits.ts. */
  | 'TOO_LARGE';

export class DeviceDataError extends Error {
  override readonly name = 'DeviceDataError';
  constructor(
    readonly code: DeviceDataErrorCode,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { code: DeviceDataErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function deviceDataError(code: DeviceDataErrorCode, message: string): DeviceDataError {
  return new DeviceDataError(code, message);
}
