// inviteInfo (issue 21): what a link offers before anyone joins, and a changed link refused in
// plain words, on real hosts with memory storage.
import { describe, expect, it } from 'vitest';
import { startTestHost } from './testing';
import { decodeInvite } from './peer-host';
import { encode } from '../core/codec';
import { BotError } from '../core/errors';

const linkOf = (content: unknown) =>
  'http://localhost:8080/#/join/' + Buffer.from(encode(content)).toString('base64url');

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof BotError ? `${e.code}: ${e.message}` : String(e)),
  );

describe('inviteInfo', () => {
  it('shows the chain, its mode, engine, validators and who invited, without joining', async () => {
    const a = (await startTestHost()).host;
    const b = (await startTestHost()).host;
    const aDid = (await a.identity()).did;
    const bDid = (await b.identity()).did;
    const made = await a.createChain({ name: 'greenhouse', mode: 'consortium', consensus: 'bft' });
    const before = await b.status();
    const info = await b.inviteInfo(made.invite);
    expect(info).toMatchObject({
      chainId: made.chainId,
      name: 'greenhouse',
      mode: 'consortium',
      consensus: 'bft',
      validators: [aDid],
      inviter: aDid,
      inviterIsValidator: true,
      admission: 'vote',
      held: false,
      active: false,
      validatorHere: false,
    });
    expect((await b.status()).chainId).toBe(before.chainId); // looking is not joining
    expect(await a.inviteInfo(made.invite)).toMatchObject({ held: true, active: true });
    expect((await b.join(made.invite)).chainId).toBe(made.chainId);
    expect(await b.inviteInfo(made.invite)).toMatchObject({ held: true, active: true });
    expect(bDid).not.toBe(aDid);
    a.stop();
    b.stop();
  });

  it('refuses a link changed after it was made, and a damaged one, in plain words', async () => {
    const a = (await startTestHost()).host;
    const b = (await startTestHost()).host;
    const { invite } = await a.createChain({
      name: 'greenhouse',
      mode: 'consortium',
      consensus: 'poa',
    });
    const content = decodeInvite(invite);
    // Another name: another genesis, so another chain id than the one the inviter signed.
    const renamed = linkOf({ ...content, genesis: { ...content.genesis, name: 'greenhousf' } });
    const sig = new Uint8Array(content.token!.sig);
    sig[5] = sig[5]! ^ 1;
    const resigned = linkOf({ ...content, token: { ...content.token, sig } });
    for (const link of [renamed, resigned]) {
      expect(await refusal(b.inviteInfo(link))).toMatch(
        /^BAD_SIGNATURE: This invite link was changed after it was made/,
      );
      expect(await refusal(b.join(link))).toMatch(/^BAD_SIGNATURE: /);
    }
    expect(await refusal(b.inviteInfo(invite.slice(0, -40)))).toMatch(
      /^MALFORMED: The invite link is damaged/,
    );
    expect(await refusal(b.inviteInfo('https://example.org/#/peer'))).toMatch(
      /^MALFORMED: This is not a BoT invite link/,
    );
    expect(await refusal(b.inviteInfo(''))).toMatch(/^BAD_REQUEST: /);
    expect(await refusal(b.inviteInfo(42 as unknown as string))).toMatch(/^BAD_REQUEST: /);
    expect((await b.chains()).map((c) => c.name)).not.toContain('greenhouse');
    a.stop();
    b.stop();
  });

  it('a link without a token is shown as needing a validator to propose the joiner by hand', async () => {
    const a = (await startTestHost()).host;
    const { invite } = await a.createChain({ name: 'closed', mode: 'private', consensus: 'poa' });
    const content = decodeInvite(invite);
    const info = await (await startTestHost()).host.inviteInfo(linkOf({ ...content, token: null }));
    expect(info).toMatchObject({ name: 'closed', inviter: null, admission: 'manual' });
    a.stop();
  });
});
