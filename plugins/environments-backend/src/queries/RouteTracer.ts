import { InputError, NotFoundError } from '@backstage/errors';
import { DynamicClient } from '../apply/DynamicClient';
import type { ClusterSupplier } from '../clusters';
import { serviceSelections } from '../features';
import { DesiredState } from '../desired';
import type { RouteHop, RouteTrace } from '@envmesh/plugin-environments-common';
import {
  readTraceObjects,
  localServiceName,
  traceRequest,
  withChangedHeaders,
  withoutSidecar,
} from '../routing';
import type { EnvironmentStore } from '../store';
import { parseInput, traceRouteInput } from '../requests/validation';

/**
 * Answers "where did my request go?": a request with given headers, traced from a host through a chain of
 * the environment's services, each hop read from the live VirtualServices, DestinationRules, Services and
 * Pods of the namespace. It assumes every service forwards the headers it received, as the hops before
 * changed them (a preview host sets the routing header for every later hop).
 */
export class RouteTracer {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      clusters: ClusterSupplier;
      desired: DesiredState;
    },
  ) {}

  async trace(name: string, body: unknown): Promise<RouteTrace> {
    const input = parseInput(traceRouteInput, body);
    const env = await this.deps.environments.getEnvironment(name);
    if (!env) throw new NotFoundError(`no environment '${name}'`);
    for (const [index, service] of (input.chain ?? []).entries()) {
      if (!env.services.some(s => s.name === service)) {
        throw new InputError(
          `chain.${index}: '${service}' is not a service of environment '${name}'`,
        );
      }
    }
    const client = DynamicClient.for(
      this.deps.clusters.kubeConfig(env.cluster),
    );
    const objects = await readTraceObjects(client, env.namespace);
    let headers = input.headers;
    const hops: RouteHop[] = [];
    const follow = (hop: RouteHop) => {
      hops.push(hop);
      headers = withChangedHeaders(headers, hop.setHeaders);
    };
    if (input.host) {
      const local = localServiceName(input.host);
      const isService = objects.services.some(s => s.metadata?.name === local);
      follow(
        traceRequest(
          {
            path: input.path,
            headers,
            host: input.host,
            gateway: input.gateway ?? !isService,
          },
          objects,
        ),
      );
    }
    for (const service of input.chain ?? []) {
      const spec = env.services.find(s => s.name === service)!;
      const [selection] = serviceSelections(
        (await this.deps.desired.service(env, spec)).objects,
      );
      const host = selection?.host ?? service;
      follow({
        service,
        ...traceRequest({ path: input.path, headers, host }, objects),
      });
    }
    return { hops, withoutSidecar: withoutSidecar(objects.pods) };
  }
}
