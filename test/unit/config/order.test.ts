// supervisord's order for group and `all` answers (config/order.ts): groups by priority then
// name, members by priority then as the group lists them.

import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { groupPriorities, inOperationOrder, operationRanks } from "../../../src/config/order.ts";
import type { Config } from "../../../src/config/types.ts";

const load = (toml: string): Config => parseConfigText(`[daemon]\nlog_dir = "/tmp/tend-order-logs"\n${toml}`, "/tmp/tend-order/tend.toml");

describe("operation order", () => {
  const c = load(`
[program.web]
command = "x"
priority = 20
[program.db]
command = "x"
priority = 10
[program.comfy]
command = "x"
priority = 1
[program.api]
command = "x"
priority = 5
[program.cron]
command = "x"
[program.alpha]
command = "x"
[group.ui]
programs = ["web", "comfy", "api"]
`);

  test("a program's own group has its priority; a [group] 999", () => {
    expect(Object.fromEntries(groupPriorities(c))).toEqual({ ui: 999, db: 10, cron: 999, alpha: 999 });
  });

  test("groups by priority then name, members by priority then listing", () => {
    const ranks = operationRanks(c);
    expect([...ranks.keys()]).toEqual(["db", "alpha", "cron", "comfy", "api", "web"]);
    const items = ["web", "cron", "db", "gone", "comfy"].map((name) => ({ name }));
    expect(inOperationOrder(ranks, items).map((i) => i.name)).toEqual(["db", "cron", "comfy", "web", "gone"]);
  });
});
