import { environmentsPlugin } from './plugin';

describe('environmentsPlugin', () => {
  it('provides the environments API and the root route', () => {
    expect(environmentsPlugin.getId()).toBe('environments');
    expect(
      [...environmentsPlugin.getApis()].map(factory => factory.api.id),
    ).toEqual(['plugin.environments.api']);
    expect(environmentsPlugin.routes.root).toBeDefined();
  });
});
