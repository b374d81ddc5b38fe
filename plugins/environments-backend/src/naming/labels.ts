/** The pod label that tells the base instance (`demo-api`) from feature instances (`demo-api.feature-31337`). */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
