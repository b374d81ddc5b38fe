import { featureMatches } from './featureMatch';
import {
  changedHeaders,
  httpRouteHeaderOperations,
  previewHeaderOperations,
  toRequestHeaderModifier,
  withChangedHeaders,
} from './headerOperations';
import { RouteTraceObjects, traceRequest } from './routeTrace';

const FEATURE = 'feature-31337';

describe('previewHeaderOperations', () => {
  it('sets the routing header; with baggage routing it also adds the baggage member', () => {
    expect(previewHeaderOperations(FEATURE)).toEqual({
      set: { 'X-FEATURE-NAME': FEATURE },
    });
    expect(
      previewHeaderOperations(FEATURE, {
        headerName: 'X-Branch',
        baggage: true,
      }),
    ).toEqual({
      set: { 'X-Branch': FEATURE },
      add: { baggage: `x-branch=${FEATURE}` },
    });
  });

  it('reads back from the Gateway API filter it writes', () => {
    const operations = previewHeaderOperations(FEATURE, { baggage: true });
    const filter = toRequestHeaderModifier(operations);
    expect(filter).toEqual({
      type: 'RequestHeaderModifier',
      requestHeaderModifier: {
        set: [{ name: 'X-FEATURE-NAME', value: FEATURE }],
        add: [{ name: 'baggage', value: `x-feature-name=${FEATURE}` }],
      },
    });
    expect(httpRouteHeaderOperations({ filters: [filter] })).toEqual({
      ...operations,
      remove: undefined,
    });
  });
});

describe('changedHeaders', () => {
  const operations = previewHeaderOperations(FEATURE, { baggage: true });

  it("appends the baggage member to a client's own baggage, which the feature route still matches", () => {
    const changed = changedHeaders(
      { 'x-feature-name': 'other', Baggage: 'userId=alice' },
      operations,
    );
    expect(changed).toEqual({
      'X-FEATURE-NAME': FEATURE,
      baggage: `userId=alice, x-feature-name=${FEATURE}`,
    });
    const [, baggageBlock] = featureMatches(FEATURE, undefined, {
      baggage: true,
    });
    expect(
      new RegExp(baggageBlock.headers!.baggage.regex!).test(changed!.baggage),
    ).toBe(true);
  });

  it('is undefined for a route that changes no header, and an empty value removes one', () => {
    expect(changedHeaders({ a: '1' }, undefined)).toBeUndefined();
    expect(changedHeaders({ a: '1' }, {})).toBeUndefined();
    expect(
      withChangedHeaders(
        { 'x-feature-name': 'other', baggage: 'a=1', keep: 'yes' },
        changedHeaders(
          {},
          { set: { 'X-FEATURE-NAME': FEATURE }, remove: ['baggage'] },
        ),
      ),
    ).toEqual({ keep: 'yes', 'X-FEATURE-NAME': FEATURE });
  });
});

describe('a traced request through a preview host', () => {
  const pod = (name: string, version: string) => ({
    metadata: { name, labels: { app: 'demo-api', version } },
  });
  const objects: RouteTraceObjects = {
    virtualServices: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `envmesh-preview-${FEATURE}` },
        spec: {
          hosts: [`${FEATURE}.demo.net`],
          gateways: ['istio-system/demo-gateway'],
          http: [
            {
              headers: {
                request: previewHeaderOperations(FEATURE, { baggage: true }),
              },
              route: [{ destination: { host: 'demo-ui' } }],
            },
          ],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'demo-api' },
        spec: {
          hosts: ['demo-api'],
          http: [
            {
              name: `envmesh-${FEATURE}`,
              // Only the baggage block: the header block is left out, so the hop proves baggage routes alone.
              match: [featureMatches(FEATURE, undefined, { baggage: true })[1]],
              route: [{ destination: { host: 'demo-api', subset: FEATURE } }],
            },
            {
              route: [{ destination: { host: 'demo-api', subset: 'default' } }],
            },
          ],
        },
      },
    ],
    destinationRules: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'demo-api' },
        spec: {
          host: 'demo-api',
          subsets: [
            { name: 'default', labels: { version: 'base' } },
            { name: FEATURE, labels: { version: FEATURE } },
          ],
        },
      },
    ],
    services: [
      {
        metadata: { name: 'demo-ui' },
        spec: { selector: { app: 'demo-ui' } },
      } as any,
      {
        metadata: { name: 'demo-api' },
        spec: { selector: { app: 'demo-api' } },
      } as any,
    ],
    pods: [pod('demo-api-base', 'base'), pod(`demo-api-${FEATURE}`, FEATURE)],
  };

  it('reports the headers the preview host set, and the next hop routes on the baggage they carry', () => {
    const entry = traceRequest(
      { host: `${FEATURE}.demo.net`, gateway: true },
      objects,
    );
    expect(entry.setHeaders).toEqual({
      'X-FEATURE-NAME': FEATURE,
      baggage: `x-feature-name=${FEATURE}`,
    });
    const next = traceRequest(
      {
        host: 'demo-api',
        headers: withChangedHeaders(undefined, entry.setHeaders),
      },
      objects,
    );
    expect(next.pods).toEqual([`demo-api-${FEATURE}`]);
    expect(next.setHeaders).toBeUndefined();
    // Without what the preview host set, the same hop is the base.
    expect(traceRequest({ host: 'demo-api' }, objects).pods).toEqual([
      'demo-api-base',
    ]);
  });
});
