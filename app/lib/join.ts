// Invite links as people meet them: pasted, opened from a QR code, or arriving as a route. Pure
// functions (tested without React): find the invite code in any of the shapes a link takes, and
// say in plain words what is wrong with text that is not one. The peer checks the code itself
// (decoding, signature) in inviteInfo/join; this only finds it.

/** Longest text accepted as a link (the peer's inviteLengthMax is 32 KiB of code). */
export const inviteTextLengthMax = 40 * 1024;
/** Shortest code worth asking the peer about: a genesis and a token do not fit in less. */
export const inviteCodeLengthMin = 64;

export class InviteLinkError extends Error {
  override readonly name = 'InviteLinkError';
}

const codeAlphabet = /^[A-Za-z0-9_-]+$/;

/**
 * The invite code in `text`: a full link (`https://host/#/join/<code>`), a route
 * (`#/join/<code>`, `#/chains/join/<code>`), `?invite=<code>`, or the bare code. Surrounding
 * spaces and a trailing slash are ignored (mail and chat apps add them).
 */
export function inviteCodeFrom(text: unknown): string {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const trimmed = text.trim().replace(/\/+$/, '');
  if (trimmed.length === 0)
    throw new InviteLinkError('The invite link is empty. Paste the whole link you were sent.');
  if (trimmed.length > inviteTextLengthMax) {
    throw new InviteLinkError('This text is far longer than an invite link; paste just the link.');
  }
  const found = /(?:#\/(?:chains\/)?join(?:\/|$)|[?&]invite=)([^&#/?\s]*)/.exec(trimmed);
  const code = found ? found[1]! : trimmed;
  if (!found && /[/:#?\s]/.test(code)) {
    throw new InviteLinkError(
      'This is not a BoT invite link: an invite link contains "#/join/" followed by the code.',
    );
  }
  if (code.length === 0)
    throw new InviteLinkError('The invite link ends where its code should start; it was cut off.');
  if (!codeAlphabet.test(code)) {
    throw new InviteLinkError(
      'The invite link has characters an invite never contains; it was changed or mangled on the way.',
    );
  }
  if (code.length < inviteCodeLengthMin) {
    throw new InviteLinkError(
      'The invite link is too short; it was probably cut off. Copy the whole link again.',
    );
  }
  return code;
}

/** The app's route for an invite code. */
export function joinRoute(code: string): string {
  return `#/join/${code}`;
}

/** Plain words for the admission state the join page shows. */
export function admissionText(state: {
  joined: boolean;
  admission: 'admitted' | 'waiting' | undefined;
  online: boolean;
  peers: number;
  chainName: string;
}): string {
  if (!state.joined) return '';
  if (state.admission === 'admitted')
    return `Admitted: this peer is a member of ${state.chainName}.`;
  if (!state.online) {
    return 'Joined on this device. You are offline: the validators are asked to admit this peer when the network returns.';
  }
  if (state.peers === 0) return `Looking for the peers of ${state.chainName}…`;
  return 'Waiting for the validators to admit this peer…';
}
