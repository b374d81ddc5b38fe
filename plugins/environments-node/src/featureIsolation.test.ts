import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  FeatureIsolationHook,
  environmentsFeatureIsolationExtensionPoint,
} from './featureIsolation';

describe('environmentsFeatureIsolationExtensionPoint', () => {
  it('has the id the environments backend registers it under', () => {
    expect(environmentsFeatureIsolationExtensionPoint.id).toBe(
      'environments.feature-isolation',
    );
  });

  it('carries hooks from a module of the environments plugin to the plugin', async () => {
    // A stand-in for the environments backend plugin, registering the extension point as it does.
    const received: FeatureIsolationHook[] = [];
    let atInit: string[] = [];
    const plugin = createBackendPlugin({
      pluginId: 'environments',
      register(env) {
        env.registerExtensionPoint(environmentsFeatureIsolationExtensionPoint, {
          addHook: (...hooks) => received.push(...hooks),
        });
        env.registerInit({
          deps: {},
          async init() {
            atInit = received.map(h => h.name);
          },
        });
      },
    });
    const hook: FeatureIsolationHook = {
      name: 'kafka-group',
      env: ({ feature }) => ({ KAFKA_GROUP: `orders-${feature}` }),
    };
    const module = createBackendModule({
      pluginId: 'environments',
      moduleId: 'kafka-isolation',
      register(reg) {
        reg.registerInit({
          deps: { isolation: environmentsFeatureIsolationExtensionPoint },
          async init({ isolation }) {
            isolation.addHook(hook);
          },
        });
      },
    });

    const backend = await startTestBackend({ features: [plugin, module] });
    try {
      // Modules initialise before their plugin, so the plugin sees the hook when it starts.
      expect(atInit).toEqual(['kafka-group']);
      expect(
        await received[0].env!({
          environment: 'demo-dev',
          namespace: 'demo-dev',
          service: 'demo-orders',
          feature: 'feature-31337',
        }),
      ).toEqual({ KAFKA_GROUP: 'orders-feature-31337' });
    } finally {
      await backend.stop();
    }
  });
});
