// The ITS trust contract (issue 20; U-II.3): the plausibility and corroboration rules of road
// observations, as contract code the consortium deploys (a provider deploys this bundled source
// under itsTrustContractName when it sets up an ITS chain; an upgrade by its managers changes the
// rules on every peer at the same height). The ITS module calls it for every observation
// (`judge`) and every settlement (`settle`) with ctx.caller = itsContractCaller; a contract.call
// from anyone else is refused, so no one but the module moves the trust scores. It keeps one
// trust record per certificate chain's root (the provider that certified the trips: p/<provider>),
// while the module keeps each trip's counts (its/trip/<did>) and hands them in. Its verdicts are
// the only ones that count when a chain names the contract (Genesis.its.contract or the policy
// its.contract): a rejected or flagged observation does not count toward the road state, and an
// outlier found at settlement is not paid. Deterministic like every contract: the block time is
// ctx.time, arithmetic is on whole numbers, and the sort is numeric.

export const itsTrustContractName = 'its-trust';
/** ctx.caller of the module's calls (no did can be this: a contract.call's caller is its sender). */
export const itsContractCaller = 'module:its';

export const itsTrustContractSource = `'use strict';
// Bounds of the rules (upgrade the contract to change them).
var R = {
  overLimitKmh: 60, jumpKmh: 200, skewMs: 60000, ageMaxMs: 86400000,
  humidityMax: 100, tempMin: -60, tempMax: 80,
  agreeKmh: 10, agreePct: 25, flagAt: 3, providerFlagPct: 50
};
function _only(ctx) {
  if (ctx.caller !== '${itsContractCaller}')
    throw new Error('Only the ITS module calls this contract: its verdicts move trust scores.');
}
function _provider(ctx, p) { return ctx.get('p/' + p) || { ok: 0, bad: 0 }; }
// Trust of a trip (0..100): its own record, then its provider's (the certificate chain's root).
function _trust(trip, prov) {
  var own = trip.accepted + trip.rejected === 0 ? 100 : Math.floor((100 * trip.accepted) / (trip.accepted + 4 * trip.rejected));
  var root = prov.ok + prov.bad === 0 ? 100 : Math.floor((100 * prov.ok) / (prov.ok + prov.bad));
  return Math.min(own, Math.max(root, 100 - R.providerFlagPct));
}
// One observation: o = { trip, provider, segment, limitKmh, speedKmh, humidityPct, temperatureC,
// time, gapM (metres from the trip's last counted segment, or null), lastTime, accepted, rejected }.
function judge(ctx, o) {
  _only(ctx);
  var prov = _provider(ctx, o.provider);
  var reason = null;
  if (o.rejected >= R.flagAt) reason = 'flagged';
  else if (o.time > ctx.time + R.skewMs) reason = 'future';
  else if (o.time < ctx.time - R.ageMaxMs) reason = 'stale';
  else if (o.gapM !== null && o.time < o.lastTime) reason = 'time-backwards';
  else if (o.speedKmh > o.limitKmh + R.overLimitKmh) reason = 'speed';
  else if (o.humidityPct !== null && (o.humidityPct < 0 || o.humidityPct > R.humidityMax)) reason = 'humidity';
  else if (o.temperatureC !== null && (o.temperatureC < R.tempMin || o.temperatureC > R.tempMax)) reason = 'temperature';
  else if (o.gapM !== null && o.gapM * 3600 > R.jumpKmh * (o.time - o.lastTime)) reason = 'jump';
  if (reason !== null && reason !== 'flagged') {
    prov.bad += 1;
    ctx.put('p/' + o.provider, prov);
    if (o.rejected + 1 === R.flagAt) ctx.emit({ flagged: o.trip, reason: reason });
  }
  var trip = { accepted: o.accepted + (reason ? 0 : 1), rejected: o.rejected + (reason && reason !== 'flagged' ? 1 : 0) };
  return { reason: reason, trust: _trust(trip, prov) };
}
// A window's corroboration: s = { segment, window, samples: [{ trip, provider, speedKmh }] }.
// The samples agreeing with the median speed are corroborated, the others are outliers.
function settle(ctx, s) {
  _only(ctx);
  var speeds = s.samples.map(function (x) { return x.speedKmh; }).sort(function (a, b) { return a - b; });
  var n = speeds.length, mid = n >> 1;
  var median = n % 2 === 1 ? speeds[mid] : Math.floor((speeds[mid - 1] + speeds[mid]) / 2);
  var tolerance = Math.max(R.agreeKmh, Math.floor((median * R.agreePct) / 100));
  var agree = [], outliers = [], provs = {};
  s.samples.forEach(function (x) {
    var p = provs[x.provider] || (provs[x.provider] = _provider(ctx, x.provider));
    if (Math.abs(x.speedKmh - median) <= tolerance) { agree.push(x.trip); p.ok += 1; }
    else { outliers.push(x.trip); p.bad += 1; }
  });
  Object.keys(provs).sort().forEach(function (p) { ctx.put('p/' + p, provs[p]); });
  if (outliers.length > 0) ctx.emit({ segment: s.segment, window: s.window, outliers: outliers.length });
  return { median: median, agree: agree, outliers: outliers };
}
// Anyone may read a provider's trust record (a view; writes nothing).
function trustOf(ctx, provider) {
  var p = _provider(ctx, String(provider));
  return { ok: p.ok, bad: p.bad, trust: _trust({ accepted: 0, rejected: 0 }, p) };
}
`;
