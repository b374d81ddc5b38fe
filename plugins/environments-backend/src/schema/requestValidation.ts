/**
 * The spec the router's request validator checks (and serves at /openapi.json): `spec` with every request
 * body optional and its schema replaced by `{}` (any JSON). Request bodies are validated by the engine's zod
 * schemas (`src/requests/validation.ts`), which read a missing body as `{}` and answer a 400 that names the first
 * bad field (`name: Required`, `services.0.name: ...`), so the validator must neither reject a body first with
 * its own wording nor disagree with zod. It still checks paths, path and query parameters, and that a body is
 * sent as JSON; the types of request bodies still come from `spec`.
 */
export function withoutRequestBodySchemas<T extends object>(spec: T): T {
  const copy = structuredClone(spec) as {
    paths?: Record<
      string,
      Record<
        string,
        {
          requestBody?: {
            required?: boolean;
            content?: Record<string, object>;
          };
        }
      >
    >;
  };
  for (const pathItem of Object.values(copy.paths ?? {})) {
    for (const operation of Object.values(pathItem)) {
      const body = operation?.requestBody;
      if (!body?.content) continue;
      body.required = false;
      for (const [mediaType, media] of Object.entries(body.content)) {
        body.content[mediaType] = { ...media, schema: {} };
      }
    }
  }
  return copy as T;
}
