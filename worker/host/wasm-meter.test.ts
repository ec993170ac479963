// The wasm meter on a hand-assembled module: exact step counts for loops, calls and bulk memory,
// a trap when the fuel runs out or the frame weight passes its bound, and `return` still leaves.
import { describe, expect, it } from 'vitest';
import { frameWeightOf, meterExports, meterWasm } from './wasm-meter';

// (func $f (export "f") (param i32) (result i32) loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end local.get 0 return)
// (func $g (export "g") (param i32) i32.const 0 i32.const 0 local.get 0 memory.fill)
// (func $r (export "r") (param i32) (result i32) local.get 0 if (result i32) local.get 0 i32.const 1 i32.sub call $r else i32.const 0 end)
// one memory page, one mutable i32 global (the stack pointer of an emscripten build).
const module = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
  0x60, 0x01, 0x7f, 0x00, 0x03, 0x04, 0x03, 0x00, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06,
  0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x0d, 0x03, 0x01, 0x66, 0x00, 0x00, 0x01, 0x67,
  0x00, 0x01, 0x01, 0x72, 0x00, 0x02, 0x0a, 0x31, 0x03, 0x11, 0x00, 0x03, 0x40, 0x20, 0x00, 0x41,
  0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x00, 0x0f, 0x0b, 0x0b, 0x00, 0x41, 0x00, 0x41,
  0x00, 0x20, 0x00, 0xfc, 0x0b, 0x00, 0x0b, 0x11, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41,
  0x01, 0x6b, 0x10, 0x02, 0x05, 0x41, 0x00, 0x0b, 0x0b,
]);

async function metered(depthMax = 1000) {
  const bytes = meterWasm(module, { depthMax, copyBytesPerStep: 64 });
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>);
  const e = instance.exports as {
    f(n: number): number;
    g(n: number): void;
    r(n: number): number;
  } & Record<string, WebAssembly.Global>;
  return { e, fuel: e[meterExports.fuel]!, depth: e[meterExports.depth]! };
}

describe('wasm meter', () => {
  it('charges one step per call and loop iteration and one per 64 bytes filled, exactly', async () => {
    const { e, fuel, depth } = await metered();
    fuel.value = 1000;
    expect(e.f(10)).toBe(0);
    expect(1000 - fuel.value).toBe(1 + 10);
    expect(depth.value).toBe(0); // `return` left through the meter's exit
    fuel.value = 1000;
    e.g(6400);
    expect(1000 - fuel.value).toBe(1 + 1 + 100);
    fuel.value = 1000;
    expect(e.r(5)).toBe(0);
    expect(1000 - fuel.value).toBe(6);
  });

  it('traps when the fuel runs out, and stays out', async () => {
    const { e, fuel } = await metered();
    fuel.value = 5;
    expect(() => e.f(10)).toThrow(WebAssembly.RuntimeError);
    expect(fuel.value).toBeLessThan(0);
    expect(() => e.f(1)).toThrow(WebAssembly.RuntimeError);
  });

  it('traps past the frame weight bound, at the same depth whatever the host stack', async () => {
    const weight = frameWeightOf(1, 1);
    const { e, fuel, depth } = await metered(weight * 50);
    fuel.value = 1_000_000;
    expect(e.r(48)).toBe(0); // 49 frames
    expect(depth.value).toBe(0);
    expect(() => e.r(60)).toThrow(WebAssembly.RuntimeError);
    expect(depth.value).toBe(weight * 51);
  });

  it('is a pure function of the module bytes', () => {
    expect(meterWasm(module, { depthMax: 9, copyBytesPerStep: 64 })).toEqual(
      meterWasm(module, { depthMax: 9, copyBytesPerStep: 64 }),
    );
    const unsupported = module.slice();
    unsupported[unsupported.length - 4] = 0xfd; // a SIMD prefix the meter does not know
    expect(() => meterWasm(unsupported, { depthMax: 9, copyBytesPerStep: 64 })).toThrow(
      /not supported/,
    );
  });
});
