import { createDevApp } from '@backstage/frontend-dev-utils';

import environmentsPlugin from '../src/alpha';

createDevApp({ features: [environmentsPlugin] });
