import { KubernetesObject } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import { DynamicClient } from '../apply/DynamicClient';
import { RouteTraceObjects, readTraceObjects } from '../routing';

/** What a trace reads from a namespace of the local cluster, read the way the route tracer reads it. */
export function liveObjects(namespace: string): Promise<RouteTraceObjects> {
  return readTraceObjects(DynamicClient.for(testKubeConfig()), namespace);
}

/** The pods of a service (its release) by instance: the base's and a feature's. */
export function podsOf(
  objects: RouteTraceObjects,
  service: string,
  feature: string,
) {
  const of = objects.pods.filter(
    p => p.metadata?.labels?.['envmesh.io/service'] === service,
  );
  const names = (list: KubernetesObject[]) =>
    list.map(p => p.metadata?.name ?? '').sort();
  return {
    base: names(of.filter(p => !p.metadata?.labels?.['envmesh.io/feature'])),
    feature: names(
      of.filter(p => p.metadata?.labels?.['envmesh.io/feature'] === feature),
    ),
  };
}

/** The base Service of a release that routing uses as its host (the chart's only Service). */
export function hostOf(objects: RouteTraceObjects, service: string): string {
  const hosts = objects.services
    .filter(
      s =>
        s.metadata?.labels?.['envmesh.io/service'] === service &&
        !s.metadata?.labels?.['envmesh.io/feature'],
    )
    .map(s => s.metadata?.name ?? '');
  expect(hosts).toHaveLength(1);
  return hosts[0];
}
