import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { OperationEvents } from './OperationEvents';

const applied = {
  environment: { name: 'demo' } as EnvironmentSpec,
  service: 'api',
};

describe('OperationEvents', () => {
  it('waits for every listener, and fails with the first that fails once all settled', async () => {
    const events = new OperationEvents();
    const seen: string[] = [];
    events.on('serviceApplied', async ({ service }) => {
      await new Promise(resolve => setTimeout(resolve, 20));
      seen.push(`slow ${service}`);
    });
    events.on('serviceApplied', () => {
      throw new Error('restore failed');
    });
    await expect(events.emit('serviceApplied', applied)).rejects.toThrow(
      'restore failed',
    );
    expect(seen).toEqual(['slow api']);
  });

  it('stops telling a listener that unsubscribed', async () => {
    const events = new OperationEvents();
    const listener = jest.fn();
    const off = events.on('serviceApplied', listener);
    await events.emit('serviceApplied', applied);
    off();
    await events.emit('serviceApplied', applied);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
