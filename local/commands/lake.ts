/** `prospector lake`: the local twin of Athena over the lake folder (DuckDB). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';

/** What each `?` of a named query stands for (the column it is compared with), in order. */
export function queryParameters(sql: string): string[] {
  const code = sql.replace(/--[^\n]*/g, '');
  return [...code.matchAll(/(?:([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|<=|>=|<|>|LIKE)\s*)?\?/gi)].map((m) => m[1] ?? 'value');
}

/** Registers `prospector lake query` and `prospector lake named`. */
export function register(program: Command, ctx: CliContext): void {
  const lake = program
    .command('lake')
    .description('query the lake with DuckDB: the same research table and named queries as Athena in the cloud (works while a run holds the home)')
    .addHelpText('after', `\nExamples:\n  $ prospector lake named\n  $ prospector lake named failed-leads-by-reason\n  $ prospector lake query "SELECT status, count(*) AS leads FROM research GROUP BY 1"`);
  // DuckDB and the config are loaded when a lake command runs, not for every command's --help.
  const lakeDir = async () => join((await import('../config.ts')).loadLocalConfig().home, 'lake');
  const lakeQuery = () => import('../lake-query.ts');
  /** The statement over the lake; DuckDB's refusal is what the user needs to read (its stack stays for --debug). */
  const query = async (sql: string, params?: string[]) => {
    const { LakeSqlError, queryLake } = await lakeQuery();
    return queryLake(await lakeDir(), sql, params).catch((error: unknown) => {
      if (!(error instanceof LakeSqlError)) throw error;
      const tables = /^Catalog Error: Table with name /.test(error.message) ? '\n(the lake has the tables research and signals)' : '';
      throw new ProspectorError(`DuckDB refused the statement: ${error.message.trim()}${tables}`, { cause: error });
    });
  };

  lake
    .command('query')
    .description('run SQL over the lake; the table `research` has one line per lead per run (partitions dt and run)')
    .argument('<sql>', 'SQL (DuckDB dialect)')
    .option('--json', 'print rows as JSON')
    .addHelpText('after', `\nExamples:\n  $ prospector lake query "SELECT domain, fit_score FROM research WHERE status = 'researched' ORDER BY fit_score DESC LIMIT 10"\n  $ prospector lake query "SELECT status, count(*) FROM research GROUP BY 1" --json`)
    .action(async (sql: string, opts: { json?: boolean }) => {
      const res = await query(sql);
      ctx.print(opts.json ? JSON.stringify(res.rows) : table(res.rows));
    });

  lake
    .command('named')
    .description('run one of the Athena named queries locally (no name: list them)')
    .argument('[name]', 'query name, e.g. best-fit-leads-this-week')
    .argument('[params...]', 'execution parameters, in order (e.g. the domain for facts-for-company)')
    .option('--json', 'print rows as JSON')
    .addHelpText('after', '\nExamples:\n  $ prospector lake named\n  $ prospector lake named best-fit-leads-this-week\n  $ prospector lake named facts-for-company brightpallet.example --json')
    .action(async (name: string | undefined, params: string[], opts: { json?: boolean }) => {
      const { namedQueries } = await lakeQuery();
      const queries = await namedQueries();
      if (!name) {
        ctx.print(Object.keys(queries).join('\n'));
        return;
      }
      const sql = queries[name];
      if (!sql) throw new ProspectorError(`no named query "${name}": run \`prospector lake named\` to list them`);
      const wanted = queryParameters(sql);
      if (params.length < wanted.length) {
        throw new ProspectorError(
          `${name} needs ${wanted.length} parameter(s): ${wanted.map((w) => `the ${w}`).join(', ')}, e.g. \`prospector lake named ${name} ${wanted.map((w) => (w === 'domain' ? 'brightpallet.example' : w.toUpperCase())).join(' ')}\``,
        );
      }
      const res = await query(sql, params);
      ctx.print(opts.json ? JSON.stringify(res.rows) : table(res.rows));
    });
}
