// Checks that every Markdown document a source comment cites exists in the repository, and that
// every section it cites (`wire-protocol.md §2.5.3`) is a heading there. Run by .ci/run
// (`npm run check-doc-refs`); exits 1 and lists the broken citations.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCANNED = ['src', 'scripts', 'test'];
/** `name.md` optionally followed by sections: `§2.3, §2.4`, `§2.8-§2.15`, `§2–§4`. */
const CITATION = /([\w-]+\.md)((?:[\s,]*(?:and\s+)?§\d+(?:\.\d+)*(?:\s*[-–]\s*§?\d+(?:\.\d+)*)?)*)/g;
const SECTION = /§(\d+(?:\.\d+)*)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'node_modules') out.push(...sourceFiles(path));
    } else if (/\.(ts|mjs|js)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The cited document: `docs/<name>` first, then the repository root. */
function documentPath(name: string): string | null {
  for (const candidate of [join(ROOT, 'docs', name), join(ROOT, name)]) if (existsSync(candidate)) return candidate;
  return null;
}

/** Section numbers of a document's headings (`## 2. Methods` → `2`, `#### 2.5.3 Cursors` → `2.5.3`). */
function sectionsOf(path: string): Set<string> {
  const numbers = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const heading = /^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (heading) numbers.add(heading[1]);
  }
  return numbers;
}

const problems: string[] = [];
const sections = new Map<string, Set<string>>();
let citations = 0;
for (const top of SCANNED) {
  for (const file of sourceFiles(join(ROOT, top))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      const comment = line.indexOf('//') >= 0 ? line.slice(line.indexOf('//')) : /^\s*\*/.test(line) ? line : '';
      for (const match of comment.matchAll(CITATION)) {
        citations++;
        const where = `${relative(ROOT, file)}:${index + 1}`;
        const doc = documentPath(match[1]);
        if (!doc) {
          problems.push(`${where}: cites ${match[1]}, which is not in docs/ or the repository root`);
          continue;
        }
        if (!sections.has(doc)) sections.set(doc, sectionsOf(doc));
        for (const [, number] of match[2].matchAll(SECTION)) {
          if (!sections.get(doc)!.has(number)) problems.push(`${where}: cites ${match[1]} §${number}, which has no such section`);
        }
      }
    });
  }
}

if (problems.length > 0) {
  process.stderr.write(`${problems.length} broken document citation(s):\n${problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(1);
}
process.stdout.write(`document citations: ${citations} checked, all found\n`);
