// CPU per adversarial contract call under the metered budget (issue 14 §2): npx tsx bench/contract-limits.ts [name]
// Prints CPU ms (process.cpuUsage, includes the heap reset and engine setup), wall ms, steps used, ns per step.
import { loadContractRuntime } from '../worker/host/contract-runtime';
const rt = await loadContractRuntime();
const ctx = { contract: 'c', caller: 'x', device: null, height: 1, time: 0, txId: '' };
const host = { get: () => null, put: () => undefined, emit: () => undefined };
const cases: [string, string, string][] = [
  ['nop', 'function nop(){return 1}', 'null'],
  ['spin', 'function spin(){for(;;){}}', 'null'],
  [
    'json',
    'function m(ctx,a){const x=[];for(let i=0;i<a.n;i++)x.push(i);let n=0;for(let i=0;i<a.k;i++)n+=JSON.stringify(x).length;return n;}',
    '{"n":5000,"k":100000}',
  ],
  [
    'jsonbig',
    'function m(ctx,a){const x=[];for(let i=0;i<20000;i++)x.push(i);for(;;) JSON.stringify(x)}',
    'null',
  ],
  ['catchso', 'function m(){ function f(){ try { f() } catch(e) { f() } } f(); }', 'null'],
  ['rec1000', 'function r(ctx,a){ function f(n){ return n===0?0:1+f(n-1);} return f(a);}', '1000'],
  ['rec3000', 'function r(ctx,a){ function f(n){ return n===0?0:1+f(n-1);} return f(a);}', '3000'],
  ['concat', 'function m(){ let s="x"; for(;;) s = s + s; }', 'null'],
  ['bigcopy', 'function m(){ const s="x".repeat(1<<20); let t; for(;;) t = s + "y"; }', 'null'],
  [
    'cmp',
    'function m(){ const s="x".repeat(1<<20)+"a"; const t="x".repeat(1<<20)+"b"; let n=0; for(;;) n += (s<t); }',
    'null',
  ],
  [
    'sortcmp',
    'function m(){ const a=[]; for(let i=0;i<100000;i++) a.push((i*7919)%100003); for(;;) a.slice().sort((x,y)=>x-y); }',
    'null',
  ],
  [
    'sortdef',
    'function m(){ const a=[]; for(let i=0;i<100000;i++) a.push((i*7919)%100003); for(;;) a.slice().sort(); }',
    'null',
  ],
  ['regex', 'function m(){ return /^(a+)+$/.test("a".repeat(40)+"b"); }', 'null'],
  ['fill', 'function m(){ return Array(1e7).fill(0).length; }', 'null'],
  [
    'deepjson',
    'function m(){ let s=""; for(let i=0;i<100000;i++) s+="["; return JSON.parse(s); }',
    'null',
  ],
  ['throwloop', 'function m(){ for(;;) { try { throw new Error("x") } catch(e) {} } }', 'null'],
  [
    'getter',
    'function m(){ const o={get x(){ return this.y }, y:1}; let n=0; for(;;) n+=o.x; }',
    'null',
  ],
  [
    'proxy',
    'function m(){ const p=new Proxy({}, {get:(t,k)=>k}); let n=0; for(;;) n+=p.abc.length; }',
    'null',
  ],
  [
    'gen',
    'function m(){ function* g(){ for(;;) yield 1; } let n=0; for (const x of g()) n+=x; }',
    'null',
  ],
  [
    'indexOf',
    'function m(){ const s="a".repeat(1<<20); const p="a".repeat(1<<10)+"b"; let n=0; for(;;) n+=s.indexOf(p); }',
    'null',
  ],
  ['join', 'function m(){ const a=Array(100000).fill("abc"); for(;;) a.join(","); }', 'null'],
  ['repeat', 'function m(){ for(;;) "abc".repeat(1<<20); }', 'null'],
  ['split', 'function m(){ const s="a,".repeat(1<<18); for(;;) s.split(","); }', 'null'],
  ['replace', 'function m(){ const s="ab".repeat(1<<18); for(;;) s.replace(/a/g, "cc"); }', 'null'],
  [
    'keys',
    'function m(){ const o={}; for(let i=0;i<50000;i++) o["k"+i]=i; for(;;) Object.keys(o); }',
    'null',
  ],
  ['spread', 'function m(){ const a=Array(100000).fill(1); for(;;) Math.max(...a); }', 'null'],
  ['atoms', 'function m(){ const s="x".repeat(1<<20); const o={}; for(;;) o[s+"1"]=1; }', 'null'],
  [
    'gc',
    'function m(){ let a=[]; for(;;) { a.push({x:[1,2,3]}); if (a.length>100000) a=[]; } }',
    'null',
  ],
  ['bigint', 'function m(){ let x = 3n ** 20000n; for(;;) x * x; }', 'null'],
  [
    'numstr',
    'function m(){ let n=0; for(;;) n += (Math.PI*1e300).toString().length + (1/3).toFixed(20).length; }',
    'null',
  ],
  [
    'math',
    'function m(){ let n=0; for(;;) n += Math.pow(1.0001, 1e5) + Math.sin(n) + Math.atan2(n, 3); }',
    'null',
  ],
  [
    'evalf',
    'function m(){ const src = "var a=" + "1+".repeat(2000) + "1;"; for(;;) new Function(src); }',
    'null',
  ],
  ['typed', 'function m(){ for(;;) new Uint8Array(1<<20).fill(7); }', 'null'],
  [
    'upper',
    'function m(){ const s="éa".repeat(1<<18); for(;;) s.toUpperCase().normalize("NFD"); }',
    'null',
  ],
  [
    'locale',
    'function m(){ const s="a".repeat(1<<19), t="a".repeat(1<<19)+"b"; let n=0; for(;;) n+=s.localeCompare(t); }',
    'null',
  ],
  [
    'fromcc',
    'function m(){ const a=Array(60000).fill(65); for(;;) String.fromCharCode.apply(null, a); }',
    'null',
  ],
  [
    'defprop',
    'function m(){ for(;;) { const o={}; for(let i=0;i<1000;i++) Object.defineProperty(o, "p"+i, {value:i, configurable:true}); } }',
    'null',
  ],
  [
    'cls',
    'function m(){ for(;;) { class A { constructor(){ this.x=1 } get y(){ return 2 } static z(){} } new A(); } }',
    'null',
  ],
  [
    'deleteprops',
    'function m(){ for(;;) { const o={}; for(let i=0;i<3000;i++) o["k"+i]=i; for(let i=0;i<3000;i++) delete o["k"+i]; } }',
    'null',
  ],
  [
    'arrshift',
    'function m(){ const a=Array(200000).fill(1); for(;;) { a.unshift(0); a.shift(); } }',
    'null',
  ],
  [
    'splice',
    'function m(){ const a=Array(200000).fill(1); for(;;) { a.splice(1, 0, 5); } }',
    'null',
  ],
  [
    'lastidx',
    'function m(){ const a=Array(200000).fill(1); let n=0; for(;;) n+=a.lastIndexOf(2)+a.includes(3); }',
    'null',
  ],
  ['regexbt2', 'function m(){ return /(x+x+)+y/.test("x".repeat(5000)); }', 'null'],
  ['regexlook', 'function m(){ return /^(?:(?=(a+))\\1)*b/.test("a".repeat(100000)); }', 'null'],
  ['strsplitre', 'function m(){ const s="a".repeat(1<<19); for(;;) s.split(/(?:)/u); }', 'null'],
];
const only = process.argv[2];
for (const [name, code, args] of cases) {
  if (only && name !== only) continue;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = rt.call(
    code,
    name === 'rec1000' || name === 'rec3000'
      ? 'r'
      : name === 'nop'
        ? 'nop'
        : name === 'spin'
          ? 'spin'
          : 'm',
    args,
    ctx,
    host,
  );
  const cu = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const cpu = (cu.user + cu.system) / 1000;
  console.log(
    name.padEnd(10),
    'cpu',
    cpu.toFixed(1).padStart(7),
    'ms wall',
    wall.toFixed(1).padStart(7),
    'steps',
    String(rt.lastRunSteps).padStart(9),
    'ns/step',
    ((cpu * 1e6) / Math.max(1, rt.lastRunSteps)).toFixed(1).padStart(7),
    r.ok ? 'ok ' + r.resultJson.slice(0, 30) : r.error.code + ' ' + r.error.message.slice(0, 70),
  );
}
