import { KeyedBatchQueue } from './KeyedBatchQueue';

describe('KeyedBatchQueue', () => {
  it('runs one batch at a time per key, coalescing what waits, with per-item errors', async () => {
    const batches: string[][] = [];
    let running = 0;
    let overlap = false;
    const queue = new KeyedBatchQueue<string>(async (key, items) => {
      if (key === 'a') {
        overlap ||= running > 0;
        running++;
        batches.push(items);
        await new Promise(r => setTimeout(r, 10));
        running--;
      }
      return items.map(i => (i === 'bad' ? new Error(i) : undefined));
    });
    const first = ['1', '2'].map(i => queue.push('a', i));
    await new Promise(r => setTimeout(r, 1));
    const later = ['3', 'bad', '4'].map(i => queue.push('a', i));
    const other = queue.push('b', 'x');
    const results = await Promise.allSettled([...first, ...later, other]);
    expect(results.map(r => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(batches).toEqual([
      ['1', '2'],
      ['3', 'bad', '4'],
    ]);
    expect(overlap).toBe(false);
  });

  it('rejects the whole batch when processing throws, and keeps going', async () => {
    let fail = true;
    const queue = new KeyedBatchQueue<number>(async (_key, items) => {
      if (fail) {
        fail = false;
        throw new Error('boom');
      }
      return items.map(() => undefined);
    });
    await expect(queue.push('k', 1)).rejects.toThrow('boom');
    await expect(queue.push('k', 2)).resolves.toBeUndefined();
  });
});
