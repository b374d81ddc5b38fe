import type { KubernetesObject } from '@kubernetes/client-node';
import { isolateBaseRelease, serviceSelections } from './baseRelease';
import { featureInstanceObjects } from './featureInstanceObjects';

/** What `helm create <chart>` renders for release `release`, with the instance label as the chart sets it. */
function helmCreateRelease(
  release: string,
  chart: string,
  instance = release,
): KubernetesObject[] {
  const selectorLabels = {
    'app.kubernetes.io/name': chart,
    'app.kubernetes.io/instance': instance,
  };
  const name = release.includes(chart) ? release : `${release}-${chart}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: {
        selector: selectorLabels,
        ports: [{ port: 80, targetPort: 'http', name: 'http' }],
      },
    } as KubernetesObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        selector: { matchLabels: selectorLabels },
        template: {
          metadata: { labels: { ...selectorLabels, 'helm.sh/chart': chart } },
          spec: { containers: [{ name: chart, image: 'nginx' }] },
        },
      },
    } as KubernetesObject,
  ];
}

const selectorOf = (objects: KubernetesObject[]) =>
  (objects.find(o => o.kind === 'Service') as any).spec.selector;
const podLabelsOf = (objects: KubernetesObject[]) =>
  (objects.find(o => o.kind === 'Deployment') as any).spec.template.metadata
    .labels;

describe('isolateBaseRelease', () => {
  it('makes a helm create Service select by service instead of instance, leaving the workload selector', () => {
    const rendered = helmCreateRelease('shape-a', 'shape-a');
    const isolated = isolateBaseRelease(rendered, 'shape-a');
    expect(selectorOf(isolated)).toEqual({
      'app.kubernetes.io/name': 'shape-a',
      'envmesh.io/service': 'shape-a',
    });
    expect(podLabelsOf(isolated)).toMatchObject({
      'app.kubernetes.io/instance': 'shape-a',
      'envmesh.io/service': 'shape-a',
    });
    expect((isolated[1] as any).spec.selector).toEqual(
      (rendered[1] as any).spec.selector,
    );
    // Pure, and the same when applied twice (feature deploys apply it to what was already isolated).
    expect(selectorOf(rendered)['app.kubernetes.io/instance']).toBe('shape-a');
    expect(isolateBaseRelease(isolated, 'shape-a')).toEqual(isolated);
  });

  it('keeps the Services of a shared chart apart: each still selects only its own release', () => {
    const one = isolateBaseRelease(helmCreateRelease('b1', 'shared'), 'b1');
    const two = isolateBaseRelease(helmCreateRelease('b2', 'shared'), 'b2');
    const selects = (selector: object, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(selects(selectorOf(one), podLabelsOf(one))).toBe(true);
    expect(selects(selectorOf(one), podLabelsOf(two))).toBe(false);
    expect(selects(selectorOf(two), podLabelsOf(one))).toBe(false);
  });

  it('gives pods without an instance label the service as one, so a default subset can select them', () => {
    const rendered = helmCreateRelease('plain', 'plain');
    delete podLabelsOf(rendered)['app.kubernetes.io/instance'];
    (rendered[0] as any).spec.selector = { 'app.kubernetes.io/name': 'plain' };
    const isolated = isolateBaseRelease(rendered, 'plain');
    expect(podLabelsOf(isolated)['app.kubernetes.io/instance']).toBe('plain');
    expect(selectorOf(isolated)).toEqual({ 'app.kubernetes.io/name': 'plain' });
  });
});

describe('serviceSelections', () => {
  it('takes the default subset label from the pods the Service selects, fullname charts included', () => {
    const rendered = helmCreateRelease(
      'shape-c',
      'fullname',
      'shape-c-fullname',
    );
    expect(serviceSelections(isolateBaseRelease(rendered, 'shape-c'))).toEqual([
      {
        host: 'shape-c-fullname',
        selector: {
          'app.kubernetes.io/name': 'fullname',
          'envmesh.io/service': 'shape-c',
        },
        workloads: ['Deployment/shape-c-fullname'],
        baseInstance: 'shape-c-fullname',
      },
    ]);
  });

  it('leaves out Services that select none of the release pods', () => {
    const rendered = [
      ...helmCreateRelease('a', 'a'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'elsewhere' },
        spec: { selector: { app: 'other' } },
      } as KubernetesObject,
    ];
    expect(serviceSelections(rendered).map(s => s.host)).toEqual(['a']);
  });
});

describe('feature instances of helm create charts', () => {
  it('are reached by the isolated base Service, and their pods carry the feature instance label', () => {
    const rendered = helmCreateRelease('shape-a', 'shape-a');
    const base = isolateBaseRelease(rendered, 'shape-a');
    const instance = featureInstanceObjects(rendered, {
      service: 'shape-a',
      feature: 'f1',
    });
    const podLabels = podLabelsOf(instance);
    expect(podLabels).toMatchObject({
      'app.kubernetes.io/instance': 'shape-a.f1',
      'envmesh.io/service': 'shape-a',
      'envmesh.io/feature': 'f1',
    });
    expect(
      Object.entries(selectorOf(base)).every(([k, v]) => podLabels[k] === v),
    ).toBe(true);
    // No second Service: in subset mode the base Service is the host.
    expect(instance.some(o => o.kind === 'Service')).toBe(false);
  });
});
