// Submit, wait for the block, and say what happened in plain words (contract forms).
import { bot } from '../runtime';

export async function commitOrThrow(submitted: Promise<{ txId: string }>): Promise<number> {
  const { txId } = await submitted;
  const result = await bot().waitFor(txId, { timeoutMs: 60_000 });
  if (result.status !== 'committed')
    throw new Error(result.error?.message ?? 'The chain refused the transaction.');
  return result.height ?? 0;
}
