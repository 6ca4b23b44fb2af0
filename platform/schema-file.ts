import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

const schemaDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema');

/** A subgraph's SDL from schema/<name>.graphql. */
export function loadTypeDefs(name: string): DocumentNode {
  return parse(fs.readFileSync(path.join(schemaDir, `${name}.graphql`), 'utf8'));
}
