// Submit, wait for the block, and say what happened in plain words: every form that sends a
// transaction and reports its outcome goes through here.
import { bot } from '../runtime';

/** The height the transaction committed at; throws the chain's refusal (or `refused`) otherwise. */
export async function commitOrThrow(
  submitted: Promise<{ txId: string }>,
  refused = 'The chain refused the transaction.',
  timeoutMs = 60_000,
): Promise<number> {
  const { txId } = await submitted;
  const result = await bot().waitFor(txId, { timeoutMs });
  if (result.status !== 'committed' || result.error)
    throw new Error(result.error?.message ?? refused);
  return result.height ?? 0;
}
