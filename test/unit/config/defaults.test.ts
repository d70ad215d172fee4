// Socket and log_dir defaults for root and for other users.

import { describe, expect, test } from "bun:test";
import { daemonDefaults } from "../../../src/config/defaults.ts";
import { parseConfigText } from "../../../src/config/load.ts";

describe("daemonDefaults", () => {
  test("root: system locations", () => {
    expect(daemonDefaults(0, { XDG_RUNTIME_DIR: "/run/user/0", HOME: "/root" }, "/root")).toEqual({
      socket: "/run/tend/tend.sock",
      logDir: "/var/log/tend",
    });
  });

  test("a user with XDG_RUNTIME_DIR and HOME", () => {
    expect(daemonDefaults(1000, { XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/ann" }, "/ignored")).toEqual({
      socket: "/run/user/1000/tend.sock",
      logDir: "/home/ann/.local/state/tend/log",
    });
  });

  test("a user without XDG_RUNTIME_DIR or HOME: /tmp socket, home from the system", () => {
    expect(daemonDefaults(1000, {}, "/home/ann")).toEqual({
      socket: "/tmp/tend-1000.sock",
      logDir: "/home/ann/.local/state/tend/log",
    });
  });

  test("XDG_STATE_HOME is honoured for logs", () => {
    expect(daemonDefaults(1000, { XDG_STATE_HOME: "/state", HOME: "/home/ann" }, "/x").logDir).toBe("/state/tend/log");
  });
});

test("explicit daemon paths win over defaults and resolve against the config's directory", () => {
  const c = parseConfigText(`[daemon]\nsocket = "tend.sock"\nlog_dir = "/abs/logs"\npidfile = "../tend.pid"`, "/srv/app/tend.toml", {});
  expect(c.daemon.socket).toBe("/srv/app/tend.sock");
  expect(c.daemon.logDir).toBe("/abs/logs");
  expect(c.daemon.pidfile).toBe("/srv/tend.pid");
});
