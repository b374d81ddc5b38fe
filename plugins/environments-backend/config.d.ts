export interface Config {
  /** envmesh's environments engine. Clusters come from `kubernetes.clusterLocatorMethods`. */
  environments?: {
    helm?: {
      /** The helm binary: a path, or a name looked up on PATH. Default `helm`. */
      binary?: string;
      /**
       * envmesh-helm-renderer, which renders with helm's own packages in long-lived processes, byte for byte as
       * `helm template` but without a helm process per render. Default: the one beside the helm binary (as
       * tools/build-binaries.sh builds them into `ENVMESH_BIN_DIR`), when there is one. `none` always runs helm;
       * helm also runs whenever the renderer cannot start or answer.
       */
      rendererBinary?: string;
    };
    render?: {
      /** helm (or renderer) processes at the same time. Default 4. */
      concurrency?: number;
      /** A render that takes longer is killed and fails, naming the service. Default 120. */
      timeoutSeconds?: number;
    };
    import?: {
      /**
       * Local folders services may be imported from (`source.type: directory`, or a local Git repository; the
       * folder or below it). Default none: such imports answer 400. Remote Git URLs must be https or ssh to a host
       * of the portal's `integrations`; UrlReader sources follow `backend.reading.allow`.
       */
      directoryRoots?: string[];
    };
    clusters?: {
      /**
       * With kubernetesModuleEnvmeshClusters, how often the Kubernetes plugin's clusters (catalog clusters come
       * and go) are read again. Default 60.
       */
      refreshIntervalSeconds?: number;
      /**
       * Whether envmesh's requests to an HTTPS API server share one HTTP/2 connection per cluster (watches stay
       * on HTTP/1.1 keep-alive connections). Default false: one keep-alive HTTP/1.1 agent per cluster.
       */
      http2?: boolean;
    };
    /** What the cost ledger prices requested CPU and memory at. */
    cost?: {
      prices?: {
        /** Prices of every cluster without its own. Default: 0 (figures in resource-hours only). */
        default?: CostPricesConfig;
        /** Prices per cluster name. */
        clusters?: { [cluster: string]: CostPricesConfig };
      };
    };
    rollout?: {
      /** Services applied at the same time inside a startup group. Default 8. */
      parallelism?: number;
      /** How long a startup group's workloads may take to become ready. Default 300. */
      readyTimeoutSeconds?: number;
      /**
       * A workload whose pods stay Unschedulable this long (insufficient resources, no matching node, an
       * unbound claim) fails its group at once instead of at the ready timeout. Default 30.
       */
      unschedulableGraceSeconds?: number;
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
      /** Paths of envmesh.io/v1alpha1 FeatureBranch definition files, deployed once their base is up. */
      features?: string[];
      /** Generate random values for declared secret keys (development portals only). */
      generateSecretValues?: boolean;
    };
    /** Feature branches: feature instances beside a base environment, routed by a header. */
    features?: {
      /** TTL of a feature branch whose deploy names none, in hours. Default 72. */
      defaultTtlHours?: number;
      /** Where feature instances run: the dedicated feature nodes. */
      placement?: {
        nodeSelector?: { [label: string]: string };
        tolerations?: Array<{
          key?: string;
          operator?: 'Equal' | 'Exists';
          value?: string;
          effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
          tolerationSeconds?: number;
        }>;
      };
      /** Data isolation: what each feature instance gets to keep its data apart from the base instance's. */
      isolation?: {
        /** Env var (default ENVMESH_DB_SCHEMA) = `<service>_<feature>` in [a-z0-9_]. */
        schemaName?: boolean | { enabled?: boolean; envName?: string };
        /** Env var (default ENVMESH_TOPIC_PREFIX) = `<feature>.` */
        topicPrefix?: boolean | { enabled?: boolean; envName?: string };
        /** Env var (default ENVMESH_CACHE_MAP) = `<feature>` */
        cacheMap?: boolean | { enabled?: boolean; envName?: string };
        /**
         * Jobs run in the namespace before each instance starts (e.g. copy a schema). `{feature}`, `{service}`,
         * `{namespace}` and `{environment}` are filled in command, args and env values.
         */
        jobs?: Array<{
          /** DNS-1123 label, unique; the Job is `<service>-<feature>-<name>`. */
          name: string;
          image: string;
          command?: string[];
          args?: string[];
          env?: { [name: string]: string };
          /** Secrets or ConfigMaps whose keys become env vars (one of the two per item). */
          envFrom?: Array<{ secret?: string; configMap?: string }>;
          /** The services it runs for; default every service. */
          services?: string[];
          /** Default 2. */
          backoffLimit?: number;
          activeDeadlineSeconds?: number;
        }>;
      };
      routing?: {
        /**
         * `istio` (VirtualServices, with the environment's routing mode; default) or `gateway-api` (HTTPRoutes
         * attached to the Service, one Service per instance, Gateway API Gateways and preview HTTPRoutes).
         */
        driver?: 'istio' | 'gateway-api';
        /** The header that selects a feature. Default `X-FEATURE-NAME`. */
        headerName?: string;
        /** Also match the header's name as a W3C `baggage` entry. Default false. */
        baggage?: boolean;
      };
      janitor?: {
        /** @deprecated Use `environments.lifecycle.intervalSeconds`. */
        intervalSeconds?: number;
      };
    };
    /** Sleep schedules, idle recycling and TTL deletion (see docs/lifecycle.md). */
    lifecycle?: {
      /** How often the lifecycle task runs (once across replicas). Default 60. */
      intervalSeconds?: number;
      /** An awake environment without activity this long sleeps; 0 turns idle sleep off. Default 12. */
      idleSleepHours?: number;
      /**
       * A feature branch, or an environment marked disposable, without activity this long is deleted; 0 turns
       * idle deletion off (a feature branch's TTL still applies). Default 14.
       */
      idleDeleteDays?: number;
      /** How long before an automatic sleep or deletion its owner is notified. Default 60. */
      warnBeforeMinutes?: number;
      /**
       * What an update, rollback or feature deploy to a sleeping environment does: `wake` it first, or
       * `refuse` with the reason (409). Default `refuse`.
       */
      whenAsleep?: 'wake' | 'refuse';
    };
    /** Push-to-deploy: `POST /api/environments/webhooks/<provider>`. */
    webhooks?: {
      github?: WebhookProviderConfig;
      gitlab?: WebhookProviderConfig;
      bitbucket?: WebhookProviderConfig;
      /** A pushed commit whose message contains it deploys the feature. Default `deploy_feature`. */
      keyword?: string;
      /** The base environment feature branches from pushes are deployed beside. */
      environment?: string;
      /** A regex with a capture group matched against the branch. Default `^(?:feature/)?(.+)$`. */
      branchPattern?: string;
      /** The feature name from the match: `{0}` whole match, `{1}`..`{9}` groups. Default `{1}`. */
      featureName?: string;
      /** The image tag of the pushed commit: `{sha}`, `{shortSha}`, `{branch}`, `{feature}`. Default `{sha}`. */
      imageTag?: string;
      /** TTL of feature branches from pushes, in hours. */
      ttlHours?: number;
      /** Repositories of services (besides the project-slug / source-location annotations of their components). */
      repositories?: Array<{ service: string; repositories: string[] }>;
      /** The largest delivery body read, in bytes; a larger one is refused with 413. Default 1048576 (1 MiB). */
      maxBodyBytes?: number;
    };
    operations?: {
      /** How long a claim on an operation lasts without renewal. Default 15. */
      leaseSeconds?: number;
      /** Operations (on different environments) run at the same time. Default 4. */
      concurrency?: number;
    };
  };
}

/** A Git host's webhook secrets (GitHub and Bitbucket: the HMAC key; GitLab: the secret token). */
interface WebhookProviderConfig {
  /**
   * The secret of every repository without one of its own.
   * @visibility secret
   */
  secret?: string;
  /** Repositories with a secret of their own: their deliveries are verified with it only. */
  repositorySecrets?: Array<{
    /** The repository as `org/repo` (GitLab `group/subgroup/repo`) or its URL; case is ignored. */
    repository: string;
    /** @visibility secret */
    secret: string;
  }>;
}

/** The price of an hour of one requested CPU core and of one requested GiB of memory. */
interface CostPricesConfig {
  /** Default USD. */
  currency?: string;
  cpuHour: number;
  memoryGiBHour: number;
}
