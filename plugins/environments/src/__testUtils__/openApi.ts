/* Test helpers (this folder may use devDependencies). */
// The tests run in Node, so the backend's spec is read from disk.
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'fs';
// eslint-disable-next-line no-restricted-imports
import { resolve } from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';
import { EnvironmentsApi } from '../api';

type Json = { [key: string]: any };

/** The backend's OpenAPI spec, the contract every API response in these tests is held to. */
const openApiSpec = load(
  readFileSync(
    resolve(__dirname, '../../../environments-backend/src/schema/openapi.yaml'),
    'utf8',
  ),
) as Json;

const SPEC_ID = 'envmesh-openapi';
// OpenAPI 3.0 schema objects are JSON Schema plus a few keywords of their own (example, description on $ref
// siblings); strict mode would refuse them.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: SPEC_ID, components: openApiSpec.components });

/** Points `#/components/...` references of an inline schema at the spec document added to ajv. */
function absoluteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absoluteRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `${SPEC_ID}${value}`
        : absoluteRefs(value),
    ]),
  );
}

const validators = new Map<string, ValidateFunction>();

/**
 * The validator of the JSON body the spec gives for `method path` answering `status` (the first 2xx if not
 * given); throws when the spec has no such response, so a fixture for an endpoint that went away fails too.
 */
function responseValidator(method: string, path: string, status?: string) {
  const key = `${method} ${path} ${status ?? '2xx'}`;
  const known = validators.get(key);
  if (known) return known;
  const operation = openApiSpec.paths[path]?.[method.toLowerCase()];
  if (!operation)
    throw new Error(`The spec has no operation ${method} ${path}`);
  const code =
    status ?? Object.keys(operation.responses).find(c => c.startsWith('2'));
  let response = code ? operation.responses[code] : undefined;
  if (response?.$ref) {
    response = openApiSpec.components.responses[response.$ref.split('/').pop()];
  }
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) {
    throw new Error(`The spec has no JSON response ${key}`);
  }
  const validate = ajv.compile(absoluteRefs(schema) as object);
  validators.set(key, validate);
  return validate;
}

/**
 * What is wrong with `body` as the response of `method path` according to the spec (`[]` when nothing is):
 * `expect(specErrors('get', '/environments/{name}', demoEnvironment)).toEqual([])`.
 */
export function specErrors(
  method: string,
  path: string,
  body: unknown,
  status?: string,
): string[] {
  const validate = responseValidator(method, path, status);
  // Through JSON, as the client receives it (Dates become strings, undefined fields go).
  if (validate(JSON.parse(JSON.stringify(body)))) return [];
  return (validate.errors ?? []).map(
    e => `${e.instancePath || '(body)'} ${e.message}`,
  );
}

/** The endpoint whose response each API method returns as it is (none: no JSON body). */
const responseEndpoints: Record<
  keyof EnvironmentsApi,
  [method: string, path: string] | undefined
> = {
  listEnvironments: ['get', '/environments'],
  listClusters: ['get', '/clusters'],
  getClusterStatus: ['get', '/clusters/{name}/status'],
  getEnvironment: ['get', '/environments/{name}'],
  getStatus: ['get', '/environments/{name}/status'],
  listOperations: ['get', '/environments/{name}/operations'],
  getOperation: ['get', '/operations/{id}'],
  getOperationLogs: ['get', '/operations/{id}/logs'],
  getServiceValues: ['get', '/environments/{name}/services/{service}/values'],
  diffEnvironment: ['post', '/environments/{name}/diff'],
  updateEnvironment: ['patch', '/environments/{name}'],
  listServices: ['get', '/services'],
  createEnvironment: ['post', '/environments'],
  copyEnvironment: ['post', '/environments/{name}/copy'],
  deleteEnvironment: ['delete', '/environments/{name}'],
  sleepEnvironment: ['post', '/environments/{name}/sleep'],
  wakeEnvironment: ['post', '/environments/{name}/wake'],
  writeSecretValues: undefined,
  listRevisions: ['get', '/environments/{name}/revisions'],
  rollbackService: ['post', '/environments/{name}/services/{service}/rollback'],
  getServiceManifest: undefined,
  cancelOperation: ['post', '/operations/{id}/cancel'],
  listFeatures: ['get', '/features'],
  getFeature: ['get', '/features/{feature}'],
  getInstanceValues: ['get', '/features/{feature}/instances/{service}/values'],
  extendFeature: ['post', '/features/{feature}/extend'],
  redeployFeature: ['post', '/features/{feature}/redeploy'],
  deleteFeature: ['delete', '/features/{feature}'],
  traceRoute: ['post', '/environments/{name}/routes/trace'],
  getFeatureReachability: ['get', '/features/{feature}/reachability'],
  getEnvironmentReachability: ['get', '/environments/{name}/reachability'],
  getEnvironmentCost: ['get', '/environments/{name}/cost'],
  getFeatureCost: ['get', '/features/{feature}/cost'],
  getEnvironmentLifecycle: ['get', '/environments/{name}/lifecycle'],
  updateEnvironmentLifecycle: ['put', '/environments/{name}/lifecycle'],
  keepEnvironment: ['post', '/environments/{name}/keep'],
};

/** Responses of a spec-checked API that did not match the spec, for the test to fail on. */
export const specMismatches: string[] = [];

/**
 * The API with every answer checked against the spec: an answer that does not match it is recorded in
 * {@link specMismatches} and turned into an error, so a test whose data drifted from the spec fails.
 */
export function specCheckedApi(api: EnvironmentsApi): EnvironmentsApi {
  return Object.fromEntries(
    Object.entries(api).map(([name, method]) => {
      const endpoint = responseEndpoints[name as keyof EnvironmentsApi];
      if (!endpoint) return [name, method];
      return [
        name,
        async (...args: unknown[]) => {
          const answer = await (method as (...a: unknown[]) => unknown)(
            ...args,
          );
          const errors = specErrors(endpoint[0], endpoint[1], answer);
          if (errors.length > 0) {
            const message = `${name}() answered what ${endpoint[0].toUpperCase()} ${
              endpoint[1]
            } cannot: ${errors.join('; ')}`;
            specMismatches.push(message);
            throw new Error(message);
          }
          return answer;
        },
      ];
    }),
  ) as unknown as EnvironmentsApi;
}
