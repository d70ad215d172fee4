// The client's cold path stays lean (DESIGN.md, Bun fact 10): what src/main.ts loads before it
// knows what it will do. Walks the static import graph with Bun's own import scanner.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..", "..", "..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Every module reachable from `entry` through static `import` statements (not import(), not require). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.startsWith("/")) return; // a package: its name is enough
    const src = readFileSync(file, "utf8");
    for (const imp of transpiler.scanImports(src)) {
      if (imp.kind !== "import-statement") continue;
      walk(imp.path.startsWith(".") ? resolve(dirname(file), imp.path) : imp.path);
    }
  };
  walk(entry);
  return seen;
}

test("picocolors is not loaded on the client's cold path, and is the only colour code (#12.8)", () => {
  const graph = [...staticGraph(join(ROOT, "src", "main.ts"))];
  expect(graph).toContain(join(ROOT, "src", "cli", "parse-args.ts")); // the walk does follow imports
  expect(graph.filter((m) => m.includes("picocolors"))).toEqual([]);
  expect(graph.filter((m) => m.endsWith("/help.ts"))).toEqual([]); // help text: only when printed
  // Nowhere outside the web page writes its own escape sequences: colour goes through picocolors.
  const glob = new Bun.Glob("src/**/*.ts");
  const own = [...glob.scanSync(ROOT)].filter((f) => /\\x1b\[|\\u001b\[|\\033\[/.test(readFileSync(join(ROOT, f), "utf8")));
  expect(own).toEqual([]);
  // And it is loaded in one place, after the decision to colour.
  const users = [...glob.scanSync(ROOT)].filter((f) => readFileSync(join(ROOT, f), "utf8").includes('require("picocolors")'));
  expect(users).toEqual(["src/sys/colour.ts"]);
});
