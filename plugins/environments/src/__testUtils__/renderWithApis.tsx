/* Test helpers (this folder may use devDependencies). */
import { RouteRef } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  PermissionApi,
  permissionApiRef,
} from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { ReactElement } from 'react';
import { SWRConfig } from 'swr';
import { EnvironmentsApi, environmentsApiRef } from '../api';
import { featureBranchesRouteRef, rootRouteRef } from '../routes';
import { stubEnvironmentsApi } from '../testing/stubEnvironmentsApi';
import { specCheckedApi, specMismatches } from './openApi';

/** What the permission API answers. */
export type Decision = Awaited<ReturnType<PermissionApi['authorize']>>;

/** The scaffolder template the environments page's Create button opens, as the catalog holds it. */
export const newEnvironmentTemplate: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'envmesh-new-environment', namespace: 'default' },
  spec: { type: 'environment' },
};

/** An ALLOW or DENY decision. */
export const decision = (allowed: boolean) =>
  ({ result: allowed ? 'ALLOW' : 'DENY' } as unknown as Decision);

/** A permission API that denies the named permissions and allows every other. */
export function permissionApi(denied: string[] = []): PermissionApi {
  return {
    authorize: async request =>
      decision(!denied.includes(request.permission.name)),
  };
}

// A test whose stubbed answers do not match the OpenAPI spec fails, even when the page hid the error.
afterEach(() => {
  const mismatches = specMismatches.splice(0);
  if (mismatches.length > 0) {
    throw new Error(
      `API answers of this test do not match the spec:\n${mismatches.join(
        '\n',
      )}`,
    );
  }
});

/**
 * Renders an element in a legacy test app with a stubbed environments API (the given methods, every answer
 * checked against the OpenAPI spec), a permission
 * API (denying `denied`, decided afresh for every render), the catalog's entity route at `/catalog/...` and the environments pages at
 * `/environments`.
 */
export function renderWithApis(
  element: ReactElement,
  options: {
    api?: Partial<EnvironmentsApi>;
    denied?: string[];
    routeEntries?: string[];
    /** More route refs to mount, by path. */
    mountedRoutes?: Record<string, RouteRef>;
    /** The catalog's entities: by default the template the Create button opens. */
    catalogEntities?: Entity[];
  } = {},
) {
  return renderInTestApp(
    // usePermission keeps its decisions in SWR's cache; a cache per render keeps one test's from the next.
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider
        apis={[
          [
            environmentsApiRef,
            specCheckedApi(stubEnvironmentsApi(options.api)),
          ],
          [permissionApiRef, permissionApi(options.denied)],
          [
            catalogApiRef,
            catalogApiMock({
              entities: options.catalogEntities ?? [newEnvironmentTemplate],
            }),
          ],
        ]}
      >
        {element}
      </TestApiProvider>
    </SWRConfig>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        '/environments': rootRouteRef,
        '/feature-branches': featureBranchesRouteRef,
        ...options.mountedRoutes,
      },
      routeEntries: options.routeEntries,
    },
  );
}
