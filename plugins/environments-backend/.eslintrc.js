module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  overrides: [
    {
      // repo-tools' generated server imports a model once per tag of the operations that use it and lints
      // before src/schema/generate.js dedupes those imports.
      files: ['src/schema/openapi/generated/**'],
      rules: { '@typescript-eslint/no-redeclare': 'off' },
    },
  ],
});
