// Error codes of confidential datasets: core codes (worker/core/errors.ts), QUOTA included.
import { BotError, botError, type ErrorCode } from '../core/errors';

export type DataErrorCode = ErrorCode;

/** A BotError with a dataset code (QUOTA included). */
export function dataError(code: DataErrorCode, message: string): BotError {
  return new BotError(code, message);
}

/** The code of a thrown value, when it is a BotError. */
export function errorCode(error: unknown): DataErrorCode | undefined {
  return error instanceof BotError ? error.code : undefined;
}

/** The one verdict for a wrong key, altered bytes, a missing or reordered chunk. */
export function tampered(what: string): BotError {
  return botError(
    'TAMPERED',
    `${what} did not check out: the bytes were altered, cut short or reordered, or the key is ` +
      'not the one they were sealed with. Nothing was decrypted; fetch them from another holder.',
  );
}

export function quotaExceeded(
  neededBytes: number,
  usedBytes: number,
  quotaBytes: number,
): BotError {
  return dataError(
    'QUOTA',
    `This peer's dataset storage is full: storing ${neededBytes} more bytes would pass its quota ` +
      `of ${quotaBytes} bytes (${usedBytes} in use). Free space by removing datasets, or raise ` +
      'the quota in the settings.',
  );
}
