// The HTTP API's bearer token (issue 15: interface access rights, D-8-access; R-7.2.3-a access
// control in every layer). The API signs with the peer's identity, so whoever can call it acts
// as the peer. On a loopback address the peer relies on the Host check, CORS being off and JSON
// bodies (http.ts); anywhere else every request must carry `Authorization: Bearer <token>`.
// The token lives in a file of its own (default <dataDir>/api.token), created on first start
// with mode 0600 (32 random bytes, base64url), so an operator reads it from the file and a copy
// of the ledger alone does not hold it. `--api-token-file PATH` names another file, and also
// turns the check on for a loopback address.
import { createHash, timingSafeEqual } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { botError } from '../../worker/core/errors';

/** Random bytes of a token the peer creates. */
export const apiTokenRandomBytes = 32;
/** The shortest token a file may hold (characters): a guessable one is refused at start. */
export const apiTokenLengthMin = 32;
/** The longest (characters): a token file is one line, not a document. */
export const apiTokenLengthMax = 512;

const tokenPattern = /^[A-Za-z0-9._~+/=-]+$/;

/** The token in `path`, or a new random one written there (exclusive create, synced, 0600). */
export async function openApiToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw botError(
        'STORAGE_FAILED',
        `The API token file ${path} could not be read: ${(error as Error).message}`,
      );
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(apiTokenRandomBytes))).toString(
      'base64url',
    );
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(`${token}\n`);
      await file.datasync();
    } finally {
      await file.close();
    }
    return token;
  }
  const token = text.trim();
  if (token.length < apiTokenLengthMin || token.length > apiTokenLengthMax)
    throw new RangeError(
      `The API token in ${path} has ${token.length} characters; it needs ${apiTokenLengthMin} to ${apiTokenLengthMax} (apiTokenLengthMin, apiTokenLengthMax). Delete the file to get a new random one.`,
    );
  if (!tokenPattern.test(token))
    throw new RangeError(
      `The API token in ${path} holds characters other than letters, digits and ._~+/=-: use one line of a bearer token.`,
    );
  return token;
}

/**
 * A checker of Authorization headers against `token`: true when the header is `Bearer <token>`.
 * Both sides are hashed first, so the comparison takes the same time whatever the guess.
 */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
    if (!match) return false;
    return timingSafeEqual(createHash('sha256').update(match[1]!).digest(), expected);
  };
}
