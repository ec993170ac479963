// The Node peer's at-rest key (issue 15, keys at rest): 32 random bytes in a file of their own,
// created on first start with mode 0600, that seal the identity seed and device keys in the
// meta store (worker/host/keys-at-rest.ts). By default the file is <dataDir>/at-rest.key, so a
// copy of the store alone (the LevelDB files, a backup of them) holds no seed; `--key-file`
// puts it on another volume. Lose the file and the seed cannot be opened: restore the identity
// from its passphrase backup.
import { open, readFile } from 'node:fs/promises';
import { botError } from '../../worker/core/errors';

/** Bytes of the key file: one AES-256 key. */
export const keyFileBytes = 32;

/** The key in `path`, or a new random one written there (exclusive create, synced, 0600). */
export async function openKeyFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw botError(
        'STORAGE_FAILED',
        `The key file ${path} could not be read: ${(error as Error).message}`,
      );
    const key = crypto.getRandomValues(new Uint8Array(keyFileBytes));
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(key);
      await file.datasync();
    } finally {
      await file.close();
    }
    return key;
  }
  if (bytes.length !== keyFileBytes)
    throw botError(
      'TAMPERED',
      `The key file ${path} holds ${bytes.length} bytes, not the ${keyFileBytes} of a key: it was altered. Restore it, or the identity from its passphrase backup.`,
    );
  return bytes;
}
