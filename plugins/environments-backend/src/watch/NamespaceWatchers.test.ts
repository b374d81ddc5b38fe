import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { NamespaceWatchers } from './NamespaceWatchers';
import { ref } from './__testUtils__/fixtures';

jest.setTimeout(90_000);

// Runs against the real local cluster started by the package's jest global setup.
const kc = testKubeConfig();

describe('NamespaceWatchers', () => {
  it('starts one watcher per (cluster, namespace) lazily and stops them all', async () => {
    const ns = await createTestNamespace('watchers');
    const seen: string[] = [];
    const registry = new NamespaceWatchers({
      kubeConfigFor: cluster => {
        seen.push(cluster);
        return kc;
      },
    });
    try {
      expect(registry.get('local', ns.name)).toBeUndefined();
      const a = registry.forNamespace('local', ns.name);
      expect(registry.forNamespace('local', ns.name)).toBe(a);
      const b = registry.forNamespace('other', ns.name);
      expect(b).not.toBe(a);
      expect(seen).toEqual(['local', 'other']);
      await a.start();
      expect(await a.status([ref('Deployment', 'none')])).toEqual([
        expect.objectContaining({ found: false }),
      ]);
    } finally {
      await registry.stopAll();
      await ns.delete();
    }
    expect(registry.get('local', ns.name)).toBeUndefined();
  });
});
