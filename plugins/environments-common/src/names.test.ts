import { validateDnsLabel } from './names';

describe('validateDnsLabel', () => {
  it.each(['demo-dev', 'a', 'feature-31337', '0abc', 'x'.repeat(63)])(
    'accepts %s',
    name => {
      expect(validateDnsLabel(name, 'name')).toBeUndefined();
    },
  );

  it.each([
    ['', 'name is required'],
    [undefined, 'name is required'],
    ['Demo', 'must be a DNS-1123 label'],
    ['demo_dev', "got 'demo_dev'"],
    ['-demo', 'DNS-1123'],
    ['demo-', 'DNS-1123'],
    ['demo.api', 'DNS-1123'],
    ['x'.repeat(64), 'at most 63 characters, got 64'],
  ])('rejects %p with a reason naming the field', (name, reason) => {
    const error = validateDnsLabel(name, 'name');
    expect(error).toContain('name');
    expect(error).toContain(reason);
  });
});
