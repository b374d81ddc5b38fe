// @ts-check

/**
 * Sleep: an environment put to sleep keeps the time it was; its workloads' replica counts are kept on the
 * workloads themselves (annotation `envmesh.io/awake-replicas`).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('environments', table => {
    table
      .timestamp('asleep_since', { useTz: true })
      .nullable()
      .comment('Set by a sleep request, cleared by a wake request');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('environments', table => {
    table.dropColumn('asleep_since');
  });
};
