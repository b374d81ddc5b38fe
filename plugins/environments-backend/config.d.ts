export interface Config {
  /** envmesh's environments engine. Clusters come from `kubernetes.clusterLocatorMethods`. */
  environments?: {
    helm?: {
      /** The helm binary: a path, or a name looked up on PATH. Default `helm`. */
      binary?: string;
    };
    render?: {
      /** helm processes at the same time. Default 4. */
      concurrency?: number;
    };
    rollout?: {
      /** Services applied at the same time inside a startup group. Default 8. */
      parallelism?: number;
      /** How long a startup group's workloads may take to become ready. Default 300. */
      readyTimeoutSeconds?: number;
    };
    /**
     * Seeds the portal at startup: imports services, then creates each environment of the definition files
     * that does not exist yet.
     */
    seed?: {
      services?: {
        type: 'directory' | 'git' | 'url';
        location: string;
        ref?: string;
      };
      /** Paths of envmesh.io/v1alpha1 Environment definition files. */
      environments?: string[];
      /** Generate random values for declared secret keys (development portals only). */
      generateSecretValues?: boolean;
    };
    operations?: {
      /** How long a claim on an operation lasts without renewal. Default 15. */
      leaseSeconds?: number;
      /** Operations (on different environments) run at the same time. Default 4. */
      concurrency?: number;
    };
  };
}
