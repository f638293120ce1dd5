import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOG } from '../../../src/audit/catalog.js';
import { catalogMarkdown } from '../../../src/audit/docs.js';

describe('docs/checks.md', () => {
  it('equals catalogMarkdown() (run npm run generate when the catalog changes)', () => {
    const file = readFileSync(new URL('../../../docs/checks.md', import.meta.url), 'utf8');
    assert.equal(file, catalogMarkdown());
  });

  it('has one row per check, with its severity and equivalents', () => {
    const md = catalogMarkdown();
    for (const c of CATALOG) {
      const row = md.split('\n').find((l) => l.startsWith(`| ${c.id} |`));
      assert.ok(row !== undefined, c.id);
      assert.ok(row.includes(`| ${c.severity} |`), row);
      for (const e of c.equivalents) assert.ok(row.includes(e), `${c.id} lacks ${e}`);
    }
    assert.ok(md.includes('| RB-007 | Group-based access | medium | none |'));
  });
});
