// The state-change bus: listeners for every change and per-name listeners (the API's
// waiters), with subscribe/unsubscribe during a publish well defined.

import { describe, expect, test } from "bun:test";
import { Bus, type StateChange } from "../../../src/daemon/bus.ts";
import { INITIAL_SNAPSHOT } from "../../../src/core/transitions.ts";

const change = (name: string): StateChange => ({
  name,
  group: name,
  from: "STOPPED",
  to: "STARTING",
  snapshot: { ...INITIAL_SNAPSHOT, state: "STARTING" },
  at: 0,
});

describe("Bus", () => {
  test("a per-name listener hears its own name only; an every-change listener hears all", () => {
    const bus = new Bus();
    const heard: string[] = [];
    bus.subscribeTo("a", (c) => heard.push(`a:${c.name}`));
    bus.subscribe((c) => heard.push(`*:${c.name}`));
    bus.publish(change("a"));
    bus.publish(change("b"));
    expect(heard).toEqual(["*:a", "a:a", "*:b"]);
  });

  test("a listener removed during a publish is not called afterwards, in that publish or later", () => {
    const bus = new Bus();
    const heard: string[] = [];
    let offSecond = () => {};
    bus.subscribeTo("a", () => (heard.push("first"), offSecond()));
    offSecond = bus.subscribeTo("a", () => heard.push("second"));
    const offSelf = bus.subscribeTo("a", () => (heard.push("self"), offSelf()));
    bus.publish(change("a"));
    bus.publish(change("a"));
    expect(heard).toEqual(["first", "self", "first"]);
  });

  test("a listener added during a publish first hears the next change", () => {
    const bus = new Bus();
    const heard: string[] = [];
    let added = false;
    bus.subscribe((c) => {
      heard.push(`outer:${c.name}`);
      if (!added) (added = true), bus.subscribe((d) => heard.push(`inner:${d.name}`));
      bus.subscribeTo(c.name, (d) => heard.push(`named:${d.name}`));
    });
    bus.publish(change("a"));
    expect(heard).toEqual(["outer:a"]);
    bus.publish(change("a"));
    expect(heard).toEqual(["outer:a", "outer:a", "inner:a", "named:a"]);
  });

  test("a throwing listener does not stop the others", () => {
    const bus = new Bus();
    const heard: string[] = [];
    bus.subscribeTo("a", () => {
      throw new Error("boom");
    });
    bus.subscribeTo("a", () => heard.push("ok"));
    bus.publish(change("a"));
    expect(heard).toEqual(["ok"]);
  });

  test("one-shot waiters that unsubscribe leave nothing behind", () => {
    const bus = new Bus();
    for (let i = 0; i < 100; i++) {
      const off = bus.subscribeTo(`p${i}`, () => off());
    }
    expect(bus.size).toBe(100);
    for (let i = 0; i < 100; i++) bus.publish(change(`p${i}`));
    expect(bus.size).toBe(0);
  });
});
