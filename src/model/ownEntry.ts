/**
 * The entry of `obj` under `key`, created with `init()` when `obj` has no own property of that
 * name. Store objects keyed by agent or team names come from JSON.parse, so they inherit from
 * Object.prototype: a plain `obj[key] ??= …` finds `constructor` or `toString` there and never
 * creates the entry (the counters vanish), and assigning `obj['__proto__']` would set the
 * prototype instead of a property. Own properties only, created by defineProperty.
 */
export function ownEntry<T>(obj: Record<string, T>, key: string, init: () => T): T {
  if (Object.hasOwn(obj, key)) return obj[key] as T;
  const value = init();
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}
