// The HTTP API's bearer token (api-token.ts): created 0600 on first start, required off loopback
// and wherever a token file is named; refused requests get 401 and are logged; a preflight passes.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiTokenLengthMin, bearerChecker, openApiToken } from './api-token';
import { defaultConfig, startPeer } from './peer';
import { startChildPeer } from './testing';

const root = mkdtempSync(join(tmpdir(), 'bot-api-token-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the API token file', () => {
  it('is created once with mode 0600 and read back the same', async () => {
    const path = join(root, 'new.token');
    const token = await openApiToken(path);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await openApiToken(path)).toBe(token);
  });

  it('refuses a short token and one with other characters, naming the limit', async () => {
    const short = join(root, 'short.token');
    writeFileSync(short, 'secret\n');
    await expect(openApiToken(short)).rejects.toThrow(/apiTokenLengthMin/);
    const spaced = join(root, 'spaced.token');
    writeFileSync(spaced, `${'a'.repeat(apiTokenLengthMin)} b`);
    await expect(openApiToken(spaced)).rejects.toThrow(/characters other than/);
  });

  it('checks the Authorization header: Bearer and the exact token only', () => {
    const ok = bearerChecker('x'.repeat(40));
    expect(ok(`Bearer ${'x'.repeat(40)}`)).toBe(true);
    expect(ok(`bearer ${'x'.repeat(40)}`)).toBe(true);
    expect(ok(`Bearer ${'x'.repeat(39)}`)).toBe(false);
    expect(ok(`Bearer ${'x'.repeat(40)}y`)).toBe(false);
    expect(ok(`Basic ${'x'.repeat(40)}`)).toBe(false);
    expect(ok(undefined)).toBe(false);
    expect(ok('')).toBe(false);
  });
});

describe('a peer off loopback', () => {
  it('requires the token of <data-dir>/api.token on every route, logs refusals, lets a preflight through', async () => {
    const dataDir = join(root, 'open');
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => void warnings.push(String(line));
    const peer = await startPeer({
      ...defaultConfig,
      host: '0.0.0.0',
      port: 0,
      dataDir,
      quiet: true,
      corsOrigins: ['https://dash.example'],
    });
    try {
      const base = `http://127.0.0.1:${peer.port}`;
      const token = readFileSync(join(dataDir, 'api.token'), 'utf8').trim();
      expect(statSync(join(dataDir, 'api.token')).mode & 0o777).toBe(0o600);
      for (const path of ['/v1/status', '/v1/openapi.json', '/v1/state/a']) {
        const refused = await fetch(base + path);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect((await refused.json()).error.code).toBe('UNAUTHORIZED');
      }
      const wrong = await fetch(`${base}/v1/status`, {
        headers: { authorization: `Bearer ${token.slice(1)}x` },
      });
      expect(wrong.status).toBe(401);
      // A write without the token changes nothing.
      const write = await fetch(`${base}/v1/tx`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'data.put', body: { key: 'a', value: 1 } }),
      });
      expect(write.status).toBe(401);
      const auth = { authorization: `Bearer ${token}` };
      const status = await fetch(`${base}/v1/status`, { headers: auth });
      expect(status.status).toBe(200);
      expect((await status.json()).height).toBe(0);
      // A browser's preflight carries no credentials: it is answered, and allows the header.
      const preflight = await fetch(`${base}/v1/tx`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://dash.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
      expect(warnings.some((w) => /no valid API token; 1 refused/.test(w))).toBe(true);
    } finally {
      console.warn = warn;
      await peer.stop();
    }
  });

  it('a named token file is required on loopback too; without one, loopback stays open', async () => {
    const tokenFile = join(root, 'named.token');
    writeFileSync(tokenFile, `${'k'.repeat(48)}\n`, { mode: 0o600 });
    const named = await startPeer({
      ...defaultConfig,
      port: 0,
      dataDir: join(root, 'named'),
      apiTokenFile: tokenFile,
      quiet: true,
    });
    try {
      expect((await fetch(`${named.url}/v1/status`)).status).toBe(401);
      const ok = await fetch(`${named.url}/v1/status`, {
        headers: { authorization: `Bearer ${'k'.repeat(48)}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await named.stop();
    }
    const open = await startPeer({
      ...defaultConfig,
      port: 0,
      dataDir: join(root, 'lo'),
      quiet: true,
    });
    try {
      expect((await fetch(`${open.url}/v1/status`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('the peer process takes --api-token-file and prints where the token is', async () => {
    const tokenFile = join(root, 'process.token');
    const peer = await startChildPeer(join(root, 'process'), ['--api-token-file', tokenFile]);
    try {
      expect((await fetch(`${peer.url}/v1/status`)).status).toBe(401);
      const token = readFileSync(tokenFile, 'utf8').trim();
      const ok = await fetch(`${peer.url}/v1/status`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      expect(peer.output()).toContain(`requires the bearer token in ${tokenFile}`);
    } finally {
      peer.child.kill('SIGKILL');
      await peer.exited;
    }
  });
});
