/**
 * `{ ...first, ...second }`, made the way V8 keeps fast. In Node 20 (V8 11.3) an object literal that
 * spreads and then adds properties (a second spread, or `{ ...a, key }`) gets a hidden class of its own
 * once its call site has seen a few shapes: every such object then allocates its own map and
 * descriptor array (old-space garbage), and every later read of it misses its inline caches. A group
 * builds several of these per item (the item's scope, its events' data), which made them the largest
 * cost of a for-each item. `Object.assign` onto a fresh object reuses the shared transitions.
 *
 * Same result as the spread: own enumerable properties, later ones win, keys in the spread's order. A
 * source with an own `__proto__` key (JSON.parse makes them) goes through the spread, which defines that
 * key where `Object.assign` would set the prototype.
 */
export function merged<A extends object, B extends object>(first: A, second: B): A & B {
  if (Object.hasOwn(first, '__proto__') || Object.hasOwn(second, '__proto__')) return { ...first, ...second };
  return Object.assign({}, first, second);
}
