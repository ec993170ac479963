// Emulated devices for the flow tests: a Bluetooth GATT sensor through CDP BluetoothEmulation (a
// browser-level session) picked in the chooser through DeviceAccess (a page-level session), and
// the fake navigator.serial of ./fixtures/fake-serial.ts (the ELM327 and GPS simulators), bundled
// for page.addInitScript. See ../shared/notes/devices.md for what the emulation can and cannot do.
import type { Browser, CDPSession, Page } from '@playwright/test';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { Elm327Simulator } from '../app/devices/elm327Simulator';

/** A 16-bit Bluetooth UUID in its full 128-bit form (a full UUID is kept as it is). */
export const U = (uuid: string) =>
  uuid.length === 4 ? `0000${uuid}-0000-1000-8000-00805f9b34fb` : uuid;
const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

/** Emulation belongs to the session that enabled it; the browser is shared between tests. */
let emulation: CDPSession | null = null;

/**
 * A fresh emulation (the previous one ended) with one peripheral at `address` offering `service`;
 * a connection is refused (HCI 0x04, page timeout: out of range) while `refuse()` says so.
 */
async function startEmulation(
  browser: Browser,
  address: string,
  service: string,
  name: string,
  refuse: () => boolean = () => false,
): Promise<CDPSession> {
  if (emulation) {
    await emulation.send('BluetoothEmulation.disable').catch(() => {});
    await emulation.detach().catch(() => {});
  }
  const bt = (emulation = await browser.newBrowserCDPSession());
  await bt.send('BluetoothEmulation.disable').catch(() => {});
  await bt.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
  await bt.send('BluetoothEmulation.simulatePreconnectedPeripheral', {
    address,
    name,
    manufacturerData: [],
    knownServiceUuids: [U(service)],
  });
  bt.on(
    'BluetoothEmulation.gattOperationReceived',
    ({ address: a, type }) =>
      void bt
        .send('BluetoothEmulation.simulateGATTOperationResponse', {
          address: a,
          type,
          code: type === 'connection' && refuse() ? 0x04 : 0,
        })
        .catch(() => {}),
  );
  return bt;
}

/**
 * An emulated GATT peripheral at `address` offering `service` (a 16-bit or a full UUID) with
 * readable, notifying characteristics, each answering every read with its bytes in `values`;
 * `set` changes what a characteristic answers from then on (CDP cannot push a notification, so
 * the page's polling fallback picks the change up). One emulation at a time in a browser.
 */
export async function emulateGattSensor(
  browser: Browser,
  address: string,
  service: string,
  values: Record<string, number[]>,
  name = 'Sensor-Sim',
): Promise<{ session: CDPSession; set(characteristic: string, bytes: number[]): void }> {
  const bt = await startEmulation(browser, address, service, name);
  const { serviceId } = await bt.send('BluetoothEmulation.addService', {
    address,
    serviceUuid: U(service),
  });
  const byId = new Map<string, number[]>();
  const idOf = new Map<string, string>();
  for (const [uuid, bytes] of Object.entries(values)) {
    const { characteristicId } = await bt.send('BluetoothEmulation.addCharacteristic', {
      serviceId,
      characteristicUuid: U(uuid),
      properties: { read: true, notify: true },
    });
    byId.set(characteristicId, bytes);
    idOf.set(uuid, characteristicId);
  }
  bt.on(
    'BluetoothEmulation.characteristicOperationReceived',
    ({ characteristicId: id, type }) =>
      void bt
        .send('BluetoothEmulation.simulateCharacteristicOperationResponse', {
          characteristicId: id,
          type,
          code: 0,
          ...(type === 'read' ? { data: b64(byId.get(id) ?? [0]) } : {}),
        })
        .catch(() => {}),
  );
  return {
    session: bt,
    set(characteristic, bytes) {
      const id = idOf.get(characteristic);
      if (!id) throw new Error(`no emulated characteristic ${characteristic}`);
      byId.set(id, bytes);
    },
  };
}

/**
 * An emulated BLE ELM327 OBD-II adapter at `address`: service FFF0 with FFF1 (notify, read) and
 * FFF2 (write). What the page writes to FFF2 goes to the app's own ELM327 simulator (the car
 * `driveAtMs` into its drive profile, so already moving); its replies are queued and handed out
 * 20 bytes per read of FFF1 (an empty value when nothing is pending), since CDP cannot push a
 * notification: the page's BLE link falls back to reading (app/devices/bleElm.ts). `commands`
 * lists what the page sent, `connections` the connections the page asked for. `drop()` cuts the
 * link (simulateGATTDisconnection: the page gets gattserverdisconnected; the emulated peripheral
 * forgets its services) and refuses connections until `back()` offers the service again.
 */
export async function emulateBleObdAdapter(
  browser: Browser,
  address: string,
  driveAtMs = 25_000,
): Promise<{
  session: CDPSession;
  commands: string[];
  connections: () => number;
  drop(): Promise<void>;
  back(): Promise<void>;
}> {
  let away = false;
  let connections = 0;
  const bt = await startEmulation(browser, address, 'fff0', 'OBDII', () => {
    connections++;
    return away;
  });
  // The serial service; added again after a disconnection (the emulated peripheral forgets its
  // services then, as a real one is discovered anew), with new ids.
  let rx = '';
  let tx = '';
  const addSerialService = async () => {
    const { serviceId } = await bt.send('BluetoothEmulation.addService', {
      address,
      serviceUuid: U('fff0'),
    });
    rx = (
      await bt.send('BluetoothEmulation.addCharacteristic', {
        serviceId,
        characteristicUuid: U('fff1'),
        properties: { read: true, notify: true },
      })
    ).characteristicId;
    tx = (
      await bt.send('BluetoothEmulation.addCharacteristic', {
        serviceId,
        characteristicUuid: U('fff2'),
        properties: { write: true, writeWithoutResponse: true },
      })
    ).characteristicId;
  };
  await addSerialService();
  const sim = new Elm327Simulator({ seed: 7 });
  const startedAt = Date.now();
  const commands: string[] = [];
  let typed = '';
  let pending: number[] = [];
  bt.on(
    'BluetoothEmulation.characteristicOperationReceived',
    ({ characteristicId: id, type, data }) => {
      let reply: number[] | null = null;
      if (id === tx && type === 'write' && data) {
        typed += Buffer.from(data, 'base64').toString('latin1');
        let at: number;
        while ((at = typed.indexOf('\r')) >= 0) {
          commands.push(typed.slice(0, at));
          const text = sim.write(typed.slice(0, at + 1), driveAtMs + Date.now() - startedAt);
          typed = typed.slice(at + 1);
          pending = pending.concat([...Buffer.from(text, 'latin1')]);
        }
      }
      if (id === rx && type === 'read') {
        reply = pending.slice(0, 20);
        pending = pending.slice(20);
      }
      void bt
        .send('BluetoothEmulation.simulateCharacteristicOperationResponse', {
          characteristicId: id,
          type,
          code: 0,
          ...(reply ? { data: b64(reply) } : {}),
        })
        .catch(() => {});
    },
  );
  return {
    session: bt,
    commands,
    connections: () => connections,
    async drop() {
      away = true;
      typed = '';
      pending = [];
      await bt.send('BluetoothEmulation.simulateGATTDisconnection', { address });
    },
    async back() {
      await addSerialService();
      away = false;
    },
  };
}

/** Answer the Bluetooth chooser of `page` with the device at `address` (the prompt shows no names). */
export async function chooseInPrompt(page: Page, address: string): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await session.send('DeviceAccess.enable');
  const handled = new Set<string>();
  session.on('DeviceAccess.deviceRequestPrompted', ({ id, devices }) => {
    const device = devices.find((d: { id: string }) => d.id === address);
    if (!device || handled.has(id)) return;
    handled.add(id);
    void session.send('DeviceAccess.selectPrompt', { id, deviceId: device.id }).catch(() => {});
  });
}

let fakeSerialScript: string | null = null;
/** The fake navigator.serial, as a script for page.addInitScript (built once per worker). */
export async function fakeSerial(): Promise<string> {
  if (fakeSerialScript) return fakeSerialScript;
  const entry = fileURLToPath(new URL('./fixtures/fake-serial.ts', import.meta.url));
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
    logLevel: 'silent',
  });
  fakeSerialScript = out.outputFiles[0]!.text;
  return fakeSerialScript;
}
