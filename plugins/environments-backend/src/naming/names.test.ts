import { suffixedName } from './names';

describe('suffixedName', () => {
  it('joins the name and the suffix when it fits', () => {
    expect(suffixedName('demo-api', 'feature-31337')).toBe(
      'demo-api-feature-31337',
    );
    const exact = `${'a'.repeat(50)}-${'b'.repeat(12)}`;
    expect(suffixedName('a'.repeat(50), 'b'.repeat(12))).toBe(exact);
    expect(exact).toHaveLength(63);
  });

  it('cuts longer names to the limit and ends them in a hash of the whole name', () => {
    const name = suffixedName('a'.repeat(60), 'feature-31337');
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a{54}-[0-9a-f]{8}$/);
    // Same input, same name; names that differ only past the cut stay distinct.
    expect(suffixedName('a'.repeat(60), 'feature-31337')).toBe(name);
    expect(suffixedName('a'.repeat(60), 'feature-31338')).not.toBe(name);
  });

  it('never leaves a dash or dot before the hash', () => {
    // The cut falls right after the '-' at index 51.
    const name = suffixedName(`${'a'.repeat(51)}-bbbbbbbbbbbb`, 'f', 61);
    expect(name).toMatch(/^a{51}-[0-9a-f]{8}$/);
    expect(suffixedName('x.'.repeat(40), 'f', 53)).toMatch(
      /^(x\.)*x-[0-9a-f]{8}$/,
    );
  });

  it('honours a smaller limit', () => {
    expect(
      suffixedName('shop-worker-with-a-long-name', 'feature-31337', 30),
    ).toMatch(/^shop-worker-with-a-lo-[0-9a-f]{8}$/);
  });
});
