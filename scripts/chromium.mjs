// Where the browser is and how to start it on these machines: Debian's Chromium, no downloads.
import { existsSync } from 'node:fs';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Path of a Chromium binary, from CHROMIUM_PATH or the usual Debian places. */
export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return candidates.find((path) => existsSync(path)) ?? candidates[0];
}

/** Flags for headless runs on a closed network; one merged --enable-features list. */
export function chromiumArgs(extraFeatures = []) {
  const features = ['WebBluetooth', ...extraFeatures];
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--enable-features=${features.join(',')}`,
  ];
}
