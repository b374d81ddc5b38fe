// @ts-check

/**
 * Revisions keep the chart (by digest; charts are stored once per digest and never removed) and the service's
 * default values they were rendered with, so a rollback or copy renders them again after a re-import.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('revisions', table => {
    table
      .string('chart_digest', 128)
      .nullable()
      .comment('The chart the revision was rendered with');
    table
      .text('default_values')
      .nullable()
      .comment("The service's default values it was rendered with, JSON");
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('revisions', table => {
    table.dropColumn('chart_digest');
    table.dropColumn('default_values');
  });
};
