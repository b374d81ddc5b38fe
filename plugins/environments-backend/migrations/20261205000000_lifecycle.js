// @ts-check

/**
 * Lifecycle: an environment's sleep schedule and disposability (its settings), why it sleeps, when it last
 * woke, a wake-until override and its last activity; a feature branch's last activity; and the lifecycle
 * notices already sent, so that each upcoming sleep or deletion is announced once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('environments', table => {
    table.text('lifecycle').nullable().comment('LifecycleSettings as JSON');
    table
      .string('sleep_reason', 16)
      .nullable()
      .comment('manual, schedule or idle, while asleep');
    table
      .timestamp('awake_since', { useTz: true })
      .nullable()
      .comment('Set by a wake; null means since creation');
    table
      .timestamp('wake_until', { useTz: true })
      .nullable()
      .comment('Schedule and idle sleep wait until then');
    table
      .timestamp('last_activity_at', { useTz: true })
      .nullable()
      .comment('The last operation, API write or push; null means creation');
  });
  await knex.schema.alterTable('features', table => {
    table
      .timestamp('last_activity_at', { useTz: true })
      .nullable()
      .comment('The last deploy, API write or push; null means creation');
  });
  await knex.schema.createTable('lifecycle_notices', table => {
    table.comment('Notices of upcoming automatic sleeps and deletions, sent');
    table
      .string('target', 140)
      .notNullable()
      .comment('environment:<name> or feature:<name>');
    table.string('action', 16).notNullable().comment('sleep or delete');
    table.timestamp('due_at', { useTz: true }).notNullable();
    table.timestamp('sent_at', { useTz: true }).notNullable();
    table.primary(['target', 'action', 'due_at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('lifecycle_notices');
  await knex.schema.alterTable('features', table => {
    table.dropColumn('last_activity_at');
  });
  await knex.schema.alterTable('environments', table => {
    for (const column of [
      'lifecycle',
      'sleep_reason',
      'awake_since',
      'wake_until',
      'last_activity_at',
    ]) {
      table.dropColumn(column);
    }
  });
};
