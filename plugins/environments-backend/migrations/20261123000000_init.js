// @ts-check

/**
 * The engine's desired state. Timestamps are written by the store as JS Dates (timestamptz on
 * PostgreSQL, epoch milliseconds on SQLite); JSON is stored as text so both databases behave alike.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('charts', table => {
    table.comment(
      'Packaged Helm charts, keyed by the sha256 digest of the archive',
    );
    table.string('digest', 128).primary();
    table.string('name').notNullable();
    table.string('version').notNullable();
    table.binary('archive').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('services', table => {
    table.comment('The service registry: a chart plus the service defaults');
    table.string('name').primary();
    table.text('source').notNullable().comment('ChartSource as JSON');
    table.string('chart_name').notNullable();
    table.string('chart_version').notNullable();
    table.string('chart_digest', 128).notNullable().index();
    table.text('default_values').notNullable().comment('JSON object');
    table.string('image_repository').nullable();
    table.string('image_tag').nullable();
    table.integer('startup_group').notNullable().defaultTo(0);
    table.string('catalog_entity_ref').nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('environments', table => {
    table.string('name', 63).primary();
    table.string('cluster').notNullable();
    table.string('namespace', 63).notNullable();
    table.string('owner').notNullable();
    table.text('description').nullable();
    table.string('preview_domain').nullable();
    table
      .text('spec')
      .notNullable()
      .comment('{ globalValues, config, resources } as JSON');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.unique(['cluster', 'namespace'], {
      indexName: 'environments_cluster_namespace_uniq',
    });
  });

  /** @param {import('knex').Knex.CreateTableBuilder} table */
  const environmentFk = table =>
    table
      .string('environment', 63)
      .notNullable()
      .references('name')
      .inTable('environments')
      .onDelete('CASCADE');

  await knex.schema.createTable('environment_services', table => {
    environmentFk(table);
    table.string('service').notNullable();
    table.integer('position').notNullable();
    table.text('spec').notNullable().comment('EnvironmentServiceSpec as JSON');
    table.primary(['environment', 'service']);
  });

  await knex.schema.createTable('inventories', table => {
    table.comment('Objects applied per release, for pruning');
    environmentFk(table);
    table
      .string('release')
      .notNullable()
      .comment("service name, '' for the environment's own");
    table
      .text('objects')
      .notNullable()
      .comment('[{ apiVersion, kind, namespace, name }] as JSON');
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['environment', 'release']);
  });

  await knex.schema.createTable('revisions', table => {
    environmentFk(table);
    table.string('service').notNullable();
    table.integer('revision').notNullable();
    table.string('image_tag').nullable();
    table.text('values').notNullable().comment('JSON object');
    table.string('manifest_hash').notNullable();
    table.string('actor').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.primary(['environment', 'service', 'revision']);
  });

  await knex.schema.createTable('operations', table => {
    table.comment(
      'Persisted operations; kept after their environment is deleted',
    );
    table.string('id', 36).primary();
    table.string('environment', 63).notNullable();
    table.string('type', 32).notNullable();
    table.string('state', 16).notNullable();
    table.string('actor').notNullable();
    table.text('params').notNullable().comment('JSON object');
    table.text('error').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.string('claimed_by').nullable();
    table.timestamp('lease_until', { useTz: true }).nullable();
    table.boolean('cancel_requested').notNullable().defaultTo(false);
    table.index(['environment', 'created_at']);
    table.index(['state']);
  });
  // One pending or running operation per environment, enforced by the database (PostgreSQL, SQLite).
  await knex.raw(
    `CREATE UNIQUE INDEX operations_one_active_per_environment ON operations (environment)
     WHERE state IN ('pending', 'running')`,
  );

  /** @param {import('knex').Knex.CreateTableBuilder} table */
  const operationFk = table =>
    table
      .string('operation_id', 36)
      .notNullable()
      .references('id')
      .inTable('operations')
      .onDelete('CASCADE');

  await knex.schema.createTable('operation_steps', table => {
    operationFk(table);
    table.integer('step_index').notNullable();
    table.string('name').notNullable();
    table.integer('startup_group').nullable();
    table.string('service').nullable();
    table.string('state', 16).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.text('message').nullable();
    table.primary(['operation_id', 'step_index']);
  });

  await knex.schema.createTable('operation_logs', table => {
    operationFk(table);
    table.integer('seq').notNullable().comment('1, 2, ... per operation');
    table.timestamp('ts', { useTz: true }).notNullable();
    table.string('level', 8).notNullable();
    table.text('message').notNullable();
    table.primary(['operation_id', 'seq']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  for (const table of [
    'operation_logs',
    'operation_steps',
    'operations',
    'revisions',
    'inventories',
    'environment_services',
    'environments',
    'services',
    'charts',
  ]) {
    await knex.schema.dropTable(table);
  }
};
