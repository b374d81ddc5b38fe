import { createValidatedOpenApiRouterFromGeneratedEndpointMap } from '@backstage/backend-openapi-utils';
import { EndpointMap, spec } from './openapi/generated';
import { withoutRequestBodySchemas } from './requestValidation';

/**
 * A router typed by the spec (the EndpointMap repo-tools generates from openapi.yaml). Unlike the generated
 * `createOpenApiRouter`, request bodies are left to the engine's zod schemas (see withoutRequestBodySchemas);
 * everything else of a request is validated against the spec.
 */
export const createOpenApiRouter = async (
  options?: Parameters<
    typeof createValidatedOpenApiRouterFromGeneratedEndpointMap
  >['1'],
) =>
  createValidatedOpenApiRouterFromGeneratedEndpointMap<EndpointMap>(
    withoutRequestBodySchemas(spec),
    options,
  );

/** The typed router the REST API's routes are added to. */
export type ApiRouter = Awaited<ReturnType<typeof createOpenApiRouter>>;
