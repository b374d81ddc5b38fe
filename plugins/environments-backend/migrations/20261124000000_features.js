// @ts-check

/**
 * Feature branches, their instances, webhook deliveries, and operations that work on one feature branch.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('features', table => {
    table.comment(
      'Feature branches: feature instances beside a base environment',
    );
    table.string('name', 63).primary();
    table
      .string('environment', 63)
      .notNullable()
      .references('name')
      .inTable('environments')
      .onDelete('CASCADE');
    table.string('owner').notNullable();
    table.text('description').nullable();
    table.text('source').nullable().comment('FeatureSource as JSON');
    table.timestamp('expires_at', { useTz: true }).nullable().index();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('feature_instances', table => {
    table
      .string('feature', 63)
      .notNullable()
      .references('name')
      .inTable('features')
      .onDelete('CASCADE');
    table.string('service').notNullable();
    table.text('spec').notNullable().comment('FeatureInstanceSpec as JSON');
    table.string('state', 16).notNullable();
    table.text('message').nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['feature', 'service']);
  });

  await knex.schema.createTable('webhook_deliveries', table => {
    table.comment(
      'Webhook deliveries seen, so that a redelivery is not acted on twice',
    );
    table.string('provider', 16).notNullable();
    table.string('delivery_id', 128).notNullable();
    table.timestamp('received_at', { useTz: true }).notNullable().index();
    table.primary(['provider', 'delivery_id']);
  });

  // Feature operations run beside the environment's own ones: one active operation per environment and
  // feature ('' for the environment itself).
  await knex.schema.alterTable('operations', table => {
    table.string('feature', 63).notNullable().defaultTo('');
  });
  await knex.raw('DROP INDEX operations_one_active_per_environment');
  await knex.raw(
    `CREATE UNIQUE INDEX operations_one_active_per_target ON operations (environment, feature)
     WHERE state IN ('pending', 'running')`,
  );
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.raw('DROP INDEX operations_one_active_per_target');
  await knex.schema.alterTable('operations', table => {
    table.dropColumn('feature');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX operations_one_active_per_environment ON operations (environment)
     WHERE state IN ('pending', 'running')`,
  );
  for (const table of ['webhook_deliveries', 'feature_instances', 'features']) {
    await knex.schema.dropTable(table);
  }
};
