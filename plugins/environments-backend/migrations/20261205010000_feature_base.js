// @ts-check

/**
 * The base revision a feature instance was deployed onto, so that a feature branch shows how far its base
 * moved since (a newer revision of the base service).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('feature_instances', table => {
    table
      .integer('base_revision')
      .nullable()
      .comment(
        "The base service's latest revision when the instance was last deployed; null before that",
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('feature_instances', table => {
    table.dropColumn('base_revision');
  });
};
