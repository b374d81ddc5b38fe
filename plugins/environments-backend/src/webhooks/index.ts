export * from './types';
export { parseDelivery } from './parseDelivery';
export { parseGithubDelivery } from './github';
export { parseGitlabDelivery } from './gitlab';
export { parseBitbucketDelivery } from './bitbucket';
export {
  DEFAULT_BRANCH_PATTERN,
  DEFAULT_DEPLOY_KEYWORD,
  DEFAULT_FEATURE_NAME_TEMPLATE,
  DEFAULT_IMAGE_TAG_TEMPLATE,
  featureNameFromBranch,
  findDeployCommit,
  imageTagFromTemplate,
  matchRepository,
  normalizeRepository,
  sanitizeFeatureName,
  sanitizeImageTag,
} from './pushRules';
export type {
  FeatureNameOptions,
  ImageTagVariables,
  RepositoryCandidate,
} from './pushRules';
export { createWebhookRouter } from './webhookRouter';
export type { WebhookPushResult, WebhookRouterOptions } from './webhookRouter';
export { PushDeployer, webhookSettingsFromConfig } from './PushDeployer';
export type { WebhookSettings } from './PushDeployer';
