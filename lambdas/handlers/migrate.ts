/**
 * CloudFormation custom resource (the `onEvent` handler of a CDK `custom_resources.Provider`)
 * that applies the schema migrations through the Data API on Create and Update; Delete leaves
 * the database alone (the schema outlives any one deployment of the stateless stack).
 *
 * The SQL is `sql/*.sql`, the single source: the function's bundle ships a copy of that folder
 * beside the handler (see cdk/stateless-stack.ts), read here with the same `loadMigrations` the
 * local runtime uses. The stack passes the files' combined checksum as a property, so a new or
 * changed migration is an Update CloudFormation must send, and a bundle that does not hold
 * those files fails instead of migrating to the wrong schema.
 *
 * The physical id is the latest migration version: a new version replaces the resource, and
 * the Delete CloudFormation then sends for the old id does nothing.
 *
 * Rollback. When a stack update fails after this resource was updated, CloudFormation rolls it
 * back with an Update whose `ResourceProperties` are the previous ones and whose
 * `OldResourceProperties` are those of the failed update, while this function may still run the
 * new bundle (it is rolled back after the resources that depend on it). Migrations only go
 * forward, so such an Update is a no-op when the database already holds either side: the old
 * properties' schema (the failed update had migrated) or the requested one (it had not).
 * Refusing it would leave the stack in UPDATE_ROLLBACK_FAILED. A forward Update run by a stale
 * bundle would look the same, but CDK deploys this function before the resource from one synth,
 * so in practice only a rollback sends it.
 * (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import { loadMigrations, migrate, type Migration } from '#core/db/migrate.ts';
import { ProspectorError, ValidationError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';

const SchemaProperties = z.object({ Checksum: z.string().optional(), Version: z.string().optional() }).loose();

const MigrateEvent = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: SchemaProperties.optional(),
  OldResourceProperties: SchemaProperties.optional(),
});
export type MigrateEvent = z.input<typeof MigrateEvent>;

export interface MigrateResult {
  PhysicalResourceId: string;
  Data?: { Version: string; Applied: string; Checksum: string };
}

/** The latest migration version, `none` for an empty folder. */
export function schemaVersion(migrations: Migration[]): string {
  return migrations.at(-1)?.version ?? 'none';
}

/** One checksum over every migration's file name and checksum, in order. */
export function schemaChecksum(migrations: Migration[]): string {
  const h = createHash('sha256');
  for (const m of migrations) h.update(`${m.file}\n${m.checksum}\n`);
  return h.digest('hex');
}

/** The migrations the database records as applied, keyed as `schemaChecksum` keys files. */
export async function appliedSchema(sql: Sql): Promise<{ version: string; checksum: string }> {
  const exists = await sql.query<{ present: boolean }>(`SELECT to_regclass('schema_migration') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return { version: 'none', checksum: schemaChecksum([]) };
  const rows = await sql.query<{ version: string; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM schema_migration ORDER BY version',
  );
  const recorded = rows.rows.map((r) => ({ version: r.version, name: r.name, file: `${r.version}_${r.name}.sql`, text: '', checksum: r.checksum }));
  return { version: schemaVersion(recorded), checksum: schemaChecksum(recorded) };
}

/** Where the bundled copy of `sql/` is; in a checkout, the repository's `sql/`. */
export function bundledMigrationsDir(): string | undefined {
  const dir = join(import.meta.dirname, 'sql');
  return existsSync(dir) ? dir : undefined;
}

/** Builds the onEvent handler over a database and the folder of migrations. */
export function makeHandler(deps: { sql: () => Sql; dir?: string }): (event: unknown) => Promise<MigrateResult> {
  return async (rawEvent) => {
    const parsed = MigrateEvent.safeParse(rawEvent);
    if (!parsed.success) {
      throw new ValidationError('custom resource event', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    }
    const event = parsed.data;
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId ?? 'none' };

    const migrations = await loadMigrations(deps.dir);
    const version = schemaVersion(migrations);
    const checksum = schemaChecksum(migrations);
    const expected = event.ResourceProperties?.Checksum;
    const sql = deps.sql();
    try {
      if (expected && expected !== checksum) {
        const previous = event.OldResourceProperties?.Checksum;
        if (event.RequestType === 'Update') {
          // A rollback (see above): nothing to do when the database holds either side already.
          const applied = await appliedSchema(sql);
          if (applied.checksum === expected || (previous && applied.checksum === previous)) {
            return { PhysicalResourceId: event.PhysicalResourceId ?? applied.version, Data: { Version: applied.version, Applied: 'none', Checksum: applied.checksum } };
          }
        }
        throw new ProspectorError(`the bundled migrations (checksum ${checksum.slice(0, 12)}…, up to ${version}) are not the ones the stack was synthesized with (${expected.slice(0, 12)}…), and the database holds neither; redeploy`);
      }
      const { applied } = await migrate(sql, { files: migrations.map((m) => ({ name: m.file, text: m.text })) });
      return { PhysicalResourceId: version, Data: { Version: version, Applied: applied.join(',') || 'none', Checksum: checksum } };
    } finally {
      await sql.close();
    }
  };
}

const DatabaseEnv = z.object({
  DB_CLUSTER_ARN: z.string().startsWith('arn:'),
  DB_SECRET_ARN: z.string().startsWith('arn:'),
  DB_NAME: z.string().min(1),
});

/** The Lambda entry point: the Data API target from the environment, a fresh client per event. */
export const handler = async (event: unknown): Promise<MigrateResult> => {
  const parsed = DatabaseEnv.safeParse(process.env);
  if (!parsed.success) {
    throw new ValidationError('Lambda environment', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const env = parsed.data;
  const dir = bundledMigrationsDir();
  return makeHandler({
    sql: () => new DataApiSql({ resourceArn: env.DB_CLUSTER_ARN, secretArn: env.DB_SECRET_ARN, database: env.DB_NAME }),
    ...(dir ? { dir } : {}),
  })(event);
};
