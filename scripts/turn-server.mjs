// A real TURN server (Debian's coturn) and a firewall (nftables) for the TURN test, inside the
// test run's private network namespace (scripts/netns-run: 10.213.0.1 <-> 10.213.0.2). Nothing
// here may run outside it: the firewall rules would apply to the machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { stopper, waitForLine } from './relay-cluster.mjs';

/** The namespace's own address, where the TURN server listens and relays. */
export const turnIp = '10.213.0.1';
export const turnPort = 3478;
/**
 * coturn's relay ports; the firewall lets UDP through only to and from these and turnPort. They
 * lie below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by default), from which
 * a browser's host candidates take their ports: with the range inside it (40000-40199 before), a
 * tab's host candidate now and then drew a relay port, and the firewall let a direct host/host
 * path through (blockDirectPaths checks the two do not overlap).
 */
export const relayPorts = [20000, 20199];
export const turnUser = 'bot';
export const turnPassword = 'turn-secret';

/** The turnserver binary, or null. BOT_TURNSERVER overrides the path. */
export function turnServerPath() {
  const candidates = [process.env.BOT_TURNSERVER, '/usr/bin/turnserver'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/** The nft binary, or null. */
export function nftPath() {
  return ['/usr/sbin/nft', '/sbin/nft'].find((path) => existsSync(path)) ?? null;
}

/** Refuse to touch the network unless this process is in the namespace netns-run creates. */
export function assertInTestNamespace() {
  const out = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'veth0'], { encoding: 'utf8' });
  if (out.status !== 0 || !out.stdout.includes(`${turnIp}/24`))
    throw new Error(
      'The TURN test changes firewall rules and links: run it inside scripts/netns-run only.',
    );
}

/** coturn with long-term credentials, listening and relaying on the namespace's address only. */
export async function startTurn() {
  assertInTestNamespace();
  const binary = turnServerPath();
  if (!binary) throw new Error('No turnserver: install Debian coturn (npm test does as root).');
  const args = [
    '-n', // no configuration file
    `--listening-ip=${turnIp}`,
    `--listening-port=${turnPort}`,
    `--relay-ip=${turnIp}`,
    `--min-port=${relayPorts[0]}`,
    `--max-port=${relayPorts[1]}`,
    '--lt-cred-mech',
    `--user=${turnUser}:${turnPassword}`,
    '--realm=bot.test',
    '--fingerprint',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--no-tcp-relay',
    '--allow-loopback-peers',
    '--log-file=stdout',
    '--simple-log',
    '--verbose',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const collect = (chunk) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  await waitForLine(child, /Total (UDP|General) servers|IPv4\. UDP listener opened/, 'turnserver');
  return {
    urls: `turn:${turnIp}:${turnPort}?transport=udp`,
    username: turnUser,
    credential: turnPassword,
    log: lines,
    /** Relay allocations coturn reported (each peer that used TURN made at least one). */
    allocations: () => lines.filter((line) => /ALLOCATE processed, success/.test(line)).length,
    stop: stopper(child),
  };
}

const table = 'bot_turn_test';

/**
 * Block every direct path between peers on the namespace's addresses: UDP passes only to or
 * from the TURN port and its relay ports, TCP only to or from the TURN port. Loopback (the
 * app server, the signaling relay, the browser's control pipe) is untouched.
 */
export function blockDirectPaths() {
  assertInTestNamespace();
  const nft = nftPath();
  if (!nft) throw new Error('No nft: install Debian nftables (npm test does as root).');
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  if (relayPorts[1] >= low && relayPorts[0] <= high)
    throw new Error(
      `The relay ports ${relayPorts.join('-')} overlap the ephemeral ports ${low}-${high}: a host candidate could pass the firewall.`,
    );
  const turnSet = `{ ${turnPort}, ${relayPorts[0]}-${relayPorts[1]} }`;
  const rules = `
table inet ${table} {
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr 10.213.0.0/24 udp sport != ${turnSet} udp dport != ${turnSet} counter drop
    ip daddr 10.213.0.0/24 meta l4proto tcp tcp sport != ${turnPort} tcp dport != ${turnPort} counter drop
  }
}
`;
  const result = spawnSync(nft, ['-f', '-'], { input: rules, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`nft failed: ${result.stderr}`);
}

/** Packets the firewall dropped so far (direct attempts it refused). */
export function droppedPackets() {
  const nft = nftPath();
  const result = spawnSync(nft, ['list', 'table', 'inet', table], { encoding: 'utf8' });
  return [...result.stdout.matchAll(/counter packets (\d+)/g)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

export function unblockDirectPaths() {
  const nft = nftPath();
  if (!nft) return;
  spawnSync(nft, ['delete', 'table', 'inet', table]);
  spawnSync(nft, ['delete', 'table', 'inet', outageTable]);
}

const outageTable = 'bot_turn_outage';

/**
 * A network change: the namespace's interface goes down and every packet on its addresses is
 * dropped (the kernel keeps routing a down interface's own addresses through loopback, so the
 * link state alone would not break a path between two processes of this machine); then the
 * interface comes back with its route and the drop is lifted.
 */
export function setInterface(up) {
  assertInTestNamespace();
  const run = (command, args, input) => {
    const result = spawnSync(command, args, { encoding: 'utf8', input });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  };
  const nft = nftPath();
  if (!nft) throw new Error('No nft: install Debian nftables (npm test does as root).');
  if (!up) {
    run(
      nft,
      ['-f', '-'],
      `table inet ${outageTable} {
  chain output {
    type filter hook output priority -10; policy accept;
    ip daddr 10.213.0.0/24 drop
  }
}
`,
    );
    run('ip', ['link', 'set', 'veth0', 'down']);
    return;
  }
  run('ip', ['link', 'set', 'veth0', 'up']);
  run('ip', ['route', 'replace', 'default', 'via', '10.213.0.2', 'dev', 'veth0']);
  run(nft, ['delete', 'table', 'inet', outageTable]);
}
