/*
 * The plugin's dev app (`yarn start`): the plugin alone in an app of the new frontend system, signed in as
 * the guest. This is what `createDevApp` from `@backstage/frontend-dev-utils` does; that package has no
 * release for frontend-plugin-api 1.0 on the registry yet, and its 0.1 line would bring a second copy of
 * the frontend framework.
 */
import { createApp } from '@backstage/frontend-defaults';
import appPlugin from '@backstage/plugin-app';
import ReactDOM from 'react-dom/client';

import environmentsPlugin from '../src/alpha';

const app = createApp({
  features: [
    appPlugin.withOverrides({
      extensions: [
        appPlugin.getExtension('sign-in-page:app').override({ disabled: true }),
      ],
    }),
    environmentsPlugin,
  ],
});

ReactDOM.createRoot(document.getElementById('root')!).render(app.createRoot());
