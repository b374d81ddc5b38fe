import {
  canonicalJson,
  LruCache,
  mapWithConcurrency,
  Semaphore,
  sha256Hex,
} from './util';

describe('render utilities', () => {
  it('canonical JSON sorts keys at every depth and keeps list order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    expect(sha256Hex(canonicalJson({ x: 1, y: 2 }))).toBe(
      sha256Hex(canonicalJson({ y: 2, x: 1 })),
    );
  });

  it('the LRU cache evicts the least recently used entry', () => {
    const lru = new LruCache<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('the semaphore bounds concurrency and keeps going after failures', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        semaphore.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise(r => setTimeout(r, 5));
          running--;
          if (i % 5 === 0) throw new Error(`task ${i}`);
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results.filter(r => r.status === 'rejected')).toHaveLength(4);
    expect(
      await mapWithConcurrency([3, 1, 2], 2, async n => {
        await new Promise(r => setTimeout(r, n));
        return n * 10;
      }),
    ).toEqual([30, 10, 20]);
  });
});
