import { specErrors } from '../__testUtils__/openApi';
import {
  demoDiff,
  demoEnvironment,
  demoEnvironmentSummary,
  demoFeature,
  demoLifecycle,
  demoMergedValues,
  demoOperation,
  demoRevisions,
  demoServices,
  demoStatus,
  logLine,
} from './stubEnvironmentsApi';

/** Each fixture with the response it stands for, as the spec's response schema of that endpoint. */
const fixtures: Array<[string, string, string, unknown]> = [
  ['demoEnvironment', 'get', '/environments/{name}', demoEnvironment],
  [
    'demoEnvironmentSummary',
    'get',
    '/environments',
    { items: [demoEnvironmentSummary] },
  ],
  ['demoStatus', 'get', '/environments/{name}/status', demoStatus],
  ['demoLifecycle', 'get', '/environments/{name}/lifecycle', demoLifecycle],
  [
    'demoOperation',
    'get',
    '/operations/{id}',
    demoOperation('running', { done: 1, total: 3 }),
  ],
  ['demoDiff', 'post', '/environments/{name}/diff', demoDiff],
  [
    'logLine',
    'get',
    '/operations/{id}/logs',
    { items: [logLine(1, 'applying demo-api')] },
  ],
  ['demoServices', 'get', '/services', { items: demoServices }],
  [
    'demoRevisions',
    'get',
    '/environments/{name}/revisions',
    { items: demoRevisions },
  ],
  [
    'demoMergedValues',
    'get',
    '/environments/{name}/services/{service}/values',
    demoMergedValues,
  ],
  ['demoFeature', 'get', '/features/{feature}', demoFeature],
];

describe('test fixtures against the OpenAPI spec', () => {
  it.each(fixtures)(
    '%s is a response of %s %s',
    (_name, method, path, body) => {
      expect(specErrors(method, path, body)).toEqual([]);
    },
  );

  it('catches a fixture that drifted from the spec', () => {
    const { owner: _owner, ...withoutOwner } = demoFeature;
    expect(
      specErrors('get', '/features/{feature}', {
        ...withoutOwner,
        routing: [{ service: 'demo-api', target: 'everywhere' }],
      }),
    ).toEqual(
      expect.arrayContaining([
        "(body) must have required property 'owner'",
        '/routing/0/target must be equal to one of the allowed values',
      ]),
    );
    expect(
      specErrors('get', '/environments/{name}/status', {
        services: [{ ...demoStatus.services[0], ready: 'yes' }],
      }),
    ).toEqual(['/services/0/ready must be boolean']);
  });

  it('knows the error responses too', () => {
    expect(
      specErrors(
        'patch',
        '/environments/{name}',
        {
          error: { name: 'InputError', message: 'globalValues: bad' },
          request: { method: 'PATCH', url: '/environments/demo' },
          response: { statusCode: 400 },
        },
        '400',
      ),
    ).toEqual([]);
  });
});
