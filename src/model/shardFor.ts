/** FNV-1a 32-bit: a stable, dependency-free hash so an id always routes to the same shard. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardFor(id: string, shards: number): number {
  return fnv1a(id) % shards;
}
