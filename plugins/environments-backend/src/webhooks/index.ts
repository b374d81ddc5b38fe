export * from './types';

export { featureNameFromBranch } from './pushRules';

export { createWebhookRouter } from './webhookRouter';

export { PushDeployer, webhookSettingsFromConfig } from './PushDeployer';
