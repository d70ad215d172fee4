// process_name / log path placeholders.

import { describe, expect, test } from "bun:test";
import { expandTemplate, mentionsNum } from "../../../src/config/template.ts";

const vars = { program: "web", group: "site", num: 7 };

describe("expandTemplate", () => {
  test.each([
    ["{program}", "web"],
    ["{program}_{num}", "web_7"],
    ["{program}_{num:02}", "web_07"],
    ["{num:03}-{num:01}", "007-7"],
    ["{group}:{program}", "site:web"],
    ["plain", "plain"],
  ])("%p → %p", (template, expected) => expect(expandTemplate(template, vars)).toEqual({ ok: true, value: expected }));

  test("{name} only where an instance name exists", () => {
    expect(expandTemplate("/l/{name}.log", { ...vars, name: "web_07" })).toEqual({ ok: true, value: "/l/web_07.log" });
    expect(expandTemplate("{name}", vars)).toEqual({
      ok: false,
      message: "unknown placeholder {name}: use {program}, {group}, {num}, {num:02}",
    });
  });

  test.each([
    ["{num:2}", "unknown placeholder {num:2}: use {program}, {group}, {num}, {num:02}"],
    ["{Program}", "unknown placeholder {Program}: use {program}, {group}, {num}, {num:02}"],
    ["{program", 'unbalanced brace in "{program"'],
    ["program}", 'unbalanced brace in "program}"'],
  ])("rejects %p", (template, message) => expect(expandTemplate(template, vars)).toEqual({ ok: false, message }));
});

test("mentionsNum", () => {
  expect(mentionsNum("{program}_{num}")).toBe(true);
  expect(mentionsNum("{program}_{num:02}")).toBe(true);
  expect(mentionsNum("{program}")).toBe(false);
});
