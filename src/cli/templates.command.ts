// `crier templates import FILE.json`: upsert templates from the same JSON the API takes.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CLI_ACTOR } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { withCliApp } from './cli-app.js';
import { inputFile } from './input-file.js';
import { configFrom, type GlobalOptions } from './main.js';

export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description('reusable email and SMS content');
  templates
    .command('import')
    .description('upsert templates (one JSON object or an array, as the API takes them) by id or name')
    .argument('<file>', 'JSON file')
    .action(async (file: string) => {
      const global = program.opts<GlobalOptions>();
      await inputFile(file);
      const text = await readFile(file, 'utf8');
      let documents: unknown;
      try {
        documents = JSON.parse(text);
      } catch (err) {
        throw new CrierError('validation_failed', `${file} is not valid JSON: ${(err as Error).message}`);
      }
      const result = await withCliApp(configFrom(global), (app) => app.templates.import(documents, CLI_ACTOR));
      console.log(global.json ? JSON.stringify(result) : `Templates: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged (ids ${result.ids.join(', ')})`);
    });
}
