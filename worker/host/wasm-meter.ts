// Deterministic metering of a WebAssembly module (the contract engine's QuickJS build).
// QuickJS's own interrupt handler counts interpreter branches only: work done inside built-ins
// (JSON.stringify, sort, join, regex backtracking, string copies, the garbage collector) is free,
// so a single call could run for minutes. Instead, the engine's wasm code itself is rewritten so
// that every unit of work the machine does is paid for, whatever JavaScript caused it:
//   - each function entry and each loop iteration costs one step,
//   - memory.copy and memory.fill cost one step per `copyBytesPerStep` bytes on top,
// from a mutable global `fuel`; when it goes below zero the code traps (`unreachable`), which ends
// the call wherever it is (user code cannot catch a trap). Every wasm function also adds its
// static frame weight to a global `depth` on entry and subtracts it on exit; past `depthMax` it
// traps. That bounds native recursion inside the engine by the code's own count, not by the host's
// stack (which differs between Node, browsers and workers).
// Both counts are a function of the executed wasm instructions only: the same wasm bytes, inputs
// and starting heap give the same count on every peer and every host. The rewrite is a pure
// function of the module bytes and the options.
//
// Only what the pinned build uses is supported (MVP, sign extension, saturating truncation, bulk
// memory); anything else is refused with an error rather than metered wrongly.

export interface MeterOptions {
  /** Frame weight a call chain may accumulate before it traps. */
  depthMax: number;
  /** memory.copy / memory.fill: bytes per extra step. Must be a power of two. */
  copyBytesPerStep: number;
}

/** Export names of the added globals (and of the module's stack pointer, for a reset after a trap). */
export const meterExports = {
  fuel: 'bot_fuel',
  depth: 'bot_depth',
  stackPointer: 'bot_stack_pointer',
} as const;

/** The frame weight of a function: a fixed cost plus its parameters and locals (all spilled in a baseline compiler). */
export function frameWeightOf(paramCount: number, localCount: number): number {
  return 4 + Math.ceil((paramCount + localCount) / 4);
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.bytes.length)
      throw new RangeError('wasm: unexpected end of the module');
    return this.bytes[this.offset++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new RangeError('wasm: LEB128 too long');
    }
  }
  /** A signed LEB128 of any width: skipped, not decoded. */
  skipSigned(): void {
    while (this.byte() & 0x80);
  }
  skip(n: number): void {
    this.offset += n;
  }
  name(): void {
    this.skip(this.u32());
  }
}

class Writer {
  private buffer = new Uint8Array(1024);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
  byte(b: number): this {
    this.room(1);
    this.buffer[this.length++] = b;
    return this;
  }
  u32(n: number): this {
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      this.byte(b);
    } while (n > 0);
    return this;
  }
  s32(n: number): this {
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }
  bytes(b: Uint8Array | number[]): this {
    this.room(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
    return this;
  }
  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    return this.u32(encoded.length).bytes(encoded);
  }
  done(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

interface FuncType {
  params: number;
  results: number[];
}

interface Module {
  sections: { id: number; body: Uint8Array }[];
  types: FuncType[];
  importedFuncs: number;
  importedGlobals: number;
  definedGlobals: number;
  funcTypes: number[];
}

function parseModule(bytes: Uint8Array): Module {
  const r = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const m of magic)
    if (r.byte() !== m) throw new TypeError('wasm: not a version 1 WebAssembly module');
  const module: Module = {
    sections: [],
    types: [],
    importedFuncs: 0,
    importedGlobals: 0,
    definedGlobals: 0,
    funcTypes: [],
  };
  while (r.offset < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const body = bytes.subarray(r.offset, r.offset + size);
    r.skip(size);
    module.sections.push({ id, body });
    const s = new Reader(body);
    if (id === 1) readTypes(s, module);
    if (id === 2) readImports(s, module);
    if (id === 3) for (let n = s.u32(), i = 0; i < n; i++) module.funcTypes.push(s.u32());
    if (id === 6) module.definedGlobals = s.u32();
  }
  return module;
}

function readTypes(s: Reader, module: Module): void {
  for (let n = s.u32(), i = 0; i < n; i++) {
    if (s.byte() !== 0x60) throw new TypeError('wasm: unsupported type form');
    const params = s.u32();
    s.skip(params);
    const results: number[] = [];
    for (let k = s.u32(), j = 0; j < k; j++) results.push(s.byte());
    module.types.push({ params, results });
  }
}

function readImports(s: Reader, module: Module): void {
  for (let n = s.u32(), i = 0; i < n; i++) {
    s.name();
    s.name();
    const kind = s.byte();
    if (kind === 0) {
      s.u32();
      module.importedFuncs++;
    } else if (kind === 1) {
      s.byte();
      const flags = s.byte();
      s.u32();
      if (flags & 1) s.u32();
    } else if (kind === 2) {
      const flags = s.byte();
      s.u32();
      if (flags & 1) s.u32();
    } else if (kind === 3) {
      s.byte();
      s.byte();
      module.importedGlobals++;
    } else throw new TypeError('wasm: unsupported import kind');
  }
}

/** Instruction emitters for the metering code. */
class Meter {
  constructor(
    readonly fuel: number,
    readonly depth: number,
    readonly options: MeterOptions,
  ) {}

  /** fuel -= cost; trap when it is below zero. */
  charge(w: Writer, tmp: number, cost: number): void {
    w.byte(0x23).u32(this.fuel).byte(0x41).s32(cost).byte(0x6b);
    this.setAndTrapIfNegative(w, tmp);
  }

  /** With the byte count on the stack: fuel -= 1 + bytes / copyBytesPerStep, trap when below zero; leaves the byte count. */
  chargeBytes(w: Writer, tmp: number): void {
    const shift = Math.log2(this.options.copyBytesPerStep);
    w.byte(0x21).u32(tmp); // local.set tmp (the length)
    w.byte(0x23)
      .u32(this.fuel)
      .byte(0x20)
      .u32(tmp)
      .byte(0x41)
      .s32(shift)
      .byte(0x76)
      .byte(0x6b)
      .byte(0x41)
      .s32(1)
      .byte(0x6b);
    w.byte(0x24)
      .u32(this.fuel)
      .byte(0x23)
      .u32(this.fuel)
      .byte(0x41)
      .s32(0)
      .byte(0x48)
      .byte(0x04)
      .byte(0x40)
      .byte(0x00)
      .byte(0x0b);
    w.byte(0x20).u32(tmp);
  }

  private setAndTrapIfNegative(w: Writer, tmp: number): void {
    w.byte(0x22).u32(tmp).byte(0x24).u32(this.fuel); // local.tee tmp; global.set fuel
    w.byte(0x20).u32(tmp).byte(0x41).s32(0).byte(0x48); // local.get tmp; i32.const 0; i32.lt_s
    w.byte(0x04).byte(0x40).byte(0x00).byte(0x0b); // if unreachable end
  }

  enter(w: Writer, tmp: number, weight: number): void {
    w.byte(0x23)
      .u32(this.depth)
      .byte(0x41)
      .s32(weight)
      .byte(0x6a)
      .byte(0x22)
      .u32(tmp)
      .byte(0x24)
      .u32(this.depth);
    w.byte(0x20).u32(tmp).byte(0x41).s32(this.options.depthMax).byte(0x4a); // i32.gt_s
    w.byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
  }

  leave(w: Writer, weight: number): void {
    w.byte(0x23).u32(this.depth).byte(0x41).s32(weight).byte(0x6b).byte(0x24).u32(this.depth);
  }
}

/** Skip one instruction's immediates (after its opcode). Returns the 0xFC sub-opcode for prefixed ones. */
function skipImmediates(r: Reader, op: number): number {
  if (op === 0x02 || op === 0x03 || op === 0x04) {
    const b = r.bytes[r.offset]!;
    if (b === 0x40 || (b >= 0x6f && b <= 0x7f)) r.byte();
    else r.skipSigned();
  } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2)
    r.u32();
  else if (op === 0x0e) {
    for (let n = r.u32(), i = 0; i <= n; i++) r.u32();
  } else if (op === 0x11) {
    r.u32();
    r.u32();
  } else if (op === 0x1c) {
    r.skip(r.u32());
  } else if (op >= 0x28 && op <= 0x3e) {
    r.u32();
    r.u32();
  } else if (op === 0x3f || op === 0x40 || op === 0xd0) r.byte();
  else if (op === 0x41 || op === 0x42) r.skipSigned();
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (op === 0xfc) return skipPrefixed(r);
  else if (
    !(
      op <= 0x01 ||
      op === 0x05 ||
      op === 0x0b ||
      op === 0x0f ||
      op === 0x1a ||
      op === 0x1b ||
      (op >= 0x45 && op <= 0xc4) ||
      op === 0xd1
    )
  ) {
    throw new TypeError(`wasm: opcode 0x${op.toString(16)} is not supported by the meter`);
  }
  return -1;
}

function skipPrefixed(r: Reader): number {
  const sub = r.u32();
  if (sub <= 7) return sub;
  if (sub === 8 || sub === 12 || sub === 14) {
    r.u32();
    if (sub === 8) r.byte();
    else r.u32();
  } else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
  else if (sub === 10) r.skip(2);
  else if (sub === 11) r.skip(1);
  else throw new TypeError(`wasm: opcode 0xfc ${sub} is not supported by the meter`);
  return sub;
}

function blockTypeOf(type: FuncType): number[] {
  if (type.results.length === 0) return [0x40];
  if (type.results.length === 1) return [type.results[0]!];
  throw new TypeError('wasm: functions with several results are not supported by the meter');
}

function meterBody(body: Uint8Array, type: FuncType, meter: Meter): Uint8Array {
  const r = new Reader(body);
  const groups: Uint8Array[] = [];
  let locals = 0;
  const groupCount = r.u32();
  for (let i = 0; i < groupCount; i++) {
    const start = r.offset;
    locals += r.u32();
    r.byte();
    groups.push(body.subarray(start, r.offset));
  }
  const tmp = type.params + locals;
  const weight = frameWeightOf(type.params, locals + 1);
  const w = new Writer();
  w.u32(groupCount + 1);
  for (const g of groups) w.bytes(g);
  w.u32(1).byte(0x7f); // the scratch i32 local
  meter.charge(w, tmp, 1);
  meter.enter(w, tmp, weight);
  w.byte(0x02).bytes(blockTypeOf(type)); // the body runs inside a block, so every exit passes `leave`
  let nesting = 0;
  while (r.offset < body.length) {
    const start = r.offset;
    const op = r.byte();
    const sub = skipImmediates(r, op);
    if (op === 0x0f) {
      w.byte(0x0c).u32(nesting); // return -> br to the wrapping block
      continue;
    }
    if (op === 0x0b && nesting === 0) {
      w.byte(0x0b);
      meter.leave(w, weight);
      w.byte(0x0b);
      if (r.offset !== body.length) throw new TypeError('wasm: code after the end of a function');
      return w.done();
    }
    if (op === 0xfc && (sub === 10 || sub === 11)) meter.chargeBytes(w, tmp);
    w.bytes(body.subarray(start, r.offset));
    if (op === 0x02 || op === 0x03 || op === 0x04) nesting++;
    if (op === 0x0b) nesting--;
    if (op === 0x03) meter.charge(w, tmp, 1);
  }
  throw new TypeError('wasm: a function body has no end');
}

function section(w: Writer, id: number, body: Uint8Array): void {
  w.byte(id).u32(body.length).bytes(body);
}

function meterCode(body: Uint8Array, module: Module, meter: Meter): Uint8Array {
  const r = new Reader(body);
  const count = r.u32();
  const w = new Writer().u32(count);
  for (let i = 0; i < count; i++) {
    const size = r.u32();
    const type = module.types[module.funcTypes[i]!]!;
    const metered = meterBody(body.subarray(r.offset, r.offset + size), type, meter);
    r.skip(size);
    w.u32(metered.length).bytes(metered);
  }
  return w.done();
}

/** Returns the module with metering added (see the top of this file). Pure and deterministic. */
export function meterWasm(bytes: Uint8Array, options: MeterOptions): Uint8Array {
  if (!Number.isInteger(Math.log2(options.copyBytesPerStep)))
    throw new RangeError('copyBytesPerStep must be a power of two');
  const module = parseModule(bytes);
  if (module.importedGlobals + module.definedGlobals !== 1)
    throw new TypeError('wasm: expected exactly one global (the stack pointer)');
  const fuel = module.importedGlobals + module.definedGlobals;
  const meter = new Meter(fuel, fuel + 1, options);
  const out = new Writer().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  for (const { id, body } of module.sections) {
    if (id === 6) section(out, 6, addGlobals(body));
    else if (id === 7) section(out, 7, addExports(body, fuel));
    else if (id === 10) section(out, 10, meterCode(body, module, meter));
    else section(out, id, body);
  }
  return out.done();
}

function addGlobals(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const count = r.u32();
  const w = new Writer().u32(count + 2).bytes(body.subarray(r.offset));
  // fuel starts at the i32 maximum (the module's start function and the host's setup run unmetered in effect); depth at 0.
  w.byte(0x7f).byte(0x01).byte(0x41).s32(0x7fffffff).byte(0x0b);
  w.byte(0x7f).byte(0x01).byte(0x41).s32(0).byte(0x0b);
  return w.done();
}

function addExports(body: Uint8Array, fuel: number): Uint8Array {
  const r = new Reader(body);
  const count = r.u32();
  const w = new Writer().u32(count + 3).bytes(body.subarray(r.offset));
  w.name(meterExports.fuel).byte(0x03).u32(fuel);
  w.name(meterExports.depth)
    .byte(0x03)
    .u32(fuel + 1);
  w.name(meterExports.stackPointer).byte(0x03).u32(0);
  return w.done();
}
