// @ts-check

/**
 * A service's own word on how it forwards the routing context (`propagates` of its service.yaml), for the
 * reachability pre-flight when its catalog component has no `envmesh.io/propagates` annotation.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('services', table => {
    table
      .string('propagates', 16)
      .nullable()
      .comment('header, baggage or none; unknown when null');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('services', table => {
    table.dropColumn('propagates');
  });
};
