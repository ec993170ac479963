// The bundled supplier contract of device sociability (Y.4464 II.4, issue 16): a shop that sells
// one item (detergent) to devices. Its deployer opens it with a price and the device that takes
// the orders (the supplier's own device, behind the supplier's gateway); a registered device
// orders by paying the price from its own wallet (contract.call with `device: true` and `pay`,
// so the chain holds the payment to the device's spending rule, UNAUTHORIZED outside it). The
// contract records the order, passes the payment on to the shop's owner and emits an event
// addressed to the supplier's device ({ to: <device did>, order }): the supplier's gateway tells
// its page (worker/host/contract-notices.ts). Deterministic like every contract: whole numbers,
// the block's time, no clock.

export const supplierContractName = 'detergent-shop';

export const supplierContractSource = `'use strict';
// Limits of an order (upgrade the contract to change them).
var L = { quantityMax: 10, priceMax: 1000000, itemLengthMax: 40 };
function _shop(ctx) {
  var s = ctx.get('shop');
  if (!s) throw new Error('The shop is not open yet: its owner opens it with a price.');
  return s;
}
function _whole(n, name, max) {
  if (typeof n !== 'number' || n !== Math.floor(n) || n < 1 || n > max)
    throw new Error(name + ' is a whole number from 1 to ' + max + '.');
  return n;
}
// The owner (the first to open it) sets the item, the price and the device told of each order.
function open(ctx, a) {
  var s = ctx.get('shop');
  if (s && s.owner !== ctx.caller) throw new Error('Only the shop owner changes the shop.');
  if (!a || typeof a.device !== 'string' || a.device.indexOf('did:key:') !== 0)
    throw new Error('Name the device that takes the orders by its did:key.');
  var item = typeof a.item === 'string' && a.item.length > 0 ? a.item.slice(0, L.itemLengthMax) : 'detergent';
  var shop = { owner: s ? s.owner : ctx.caller, device: a.device, item: item, price: _whole(a.price, 'The price', L.priceMax) };
  ctx.put('shop', shop);
  ctx.emit({ to: shop.device, kind: 'shop', shop: shop });
  return shop;
}
// A registered device orders, paying quantity x price from its own wallet.
function order(ctx, a) {
  var s = _shop(ctx);
  if (!ctx.device) throw new Error('Only registered devices order here (call with device: true).');
  var quantity = _whole(a && a.quantity !== undefined ? a.quantity : 1, 'The quantity', L.quantityMax);
  var cost = s.price * quantity;
  if (ctx.paid !== cost)
    throw new Error(quantity + ' x ' + s.item + ' costs ' + cost + '; the call paid ' + ctx.paid + '.');
  var n = (ctx.get('count') || 0) + 1;
  var o = { id: n, device: ctx.caller, owner: ctx.device.owner, item: s.item, quantity: quantity,
    paid: cost, height: ctx.height, time: ctx.time, tx: ctx.txId };
  ctx.put('count', n);
  ctx.put('order/' + n, o);
  ctx.transfer(s.owner, cost);
  ctx.emit({ to: s.device, kind: 'order', order: o });
  return o;
}
`;
