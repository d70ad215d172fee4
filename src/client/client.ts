// Typed client of the daemon's HTTP API over its unix socket. Every failure becomes a
// TendError carrying the server's code, or NO_DAEMON with what to do about it.

import type { ActionResultDTO, DaemonDTO, ErrorDTO, ReloadPlanDTO, ServiceDTO, ShutdownDTO } from "../api/dto.ts";
import { TendError, type ErrorCode } from "../core/errors.ts";

export class Client {
  constructor(readonly socket: string) {}

  private async request(method: string, path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`http://localhost${path}`, { method, unix: this.socket });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      const why = code === "ENOENT" || code === "FailedToOpenSocket" ? "no socket file" : code || (e as Error).message;
      if (code === "EACCES") {
        throw new TendError("NO_DAEMON", `permission denied on ${this.socket}: run as the daemon's user or adjust socket_mode/socket_owner`);
      }
      throw new TendError("NO_DAEMON", `no daemon on ${this.socket} (${why}): start one with \`tend daemon\``);
    }
    if (res.ok || res.status === 207) return res;
    let body: ErrorDTO | null = null;
    try {
      body = (await res.json()) as ErrorDTO;
    } catch {
      /* not JSON */
    }
    const code = (body?.error?.code ?? "FAILED") as ErrorCode;
    throw new TendError(code, body?.error?.message ?? `HTTP ${res.status} from the daemon`, body?.error?.details);
  }

  private async json<T>(method: string, path: string): Promise<T> {
    return (await (await this.request(method, path)).json()) as T;
  }

  services(): Promise<ServiceDTO[]> {
    return this.json("GET", "/api/services");
  }
  service(name: string): Promise<ServiceDTO> {
    return this.json("GET", `/api/services/${encodeURIComponent(name)}`);
  }
  action(name: string, action: "start" | "stop" | "restart", wait = true): Promise<ActionResultDTO[]> {
    return this.json("POST", `/api/services/${encodeURIComponent(name)}/${action}${wait ? "" : "?wait=false"}`);
  }
  signal(name: string, sig: string): Promise<ActionResultDTO[]> {
    return this.json("POST", `/api/services/${encodeURIComponent(name)}/signal/${encodeURIComponent(sig)}`);
  }
  async log(name: string, stream: "stdout" | "stderr", lines: number): Promise<string> {
    return (await this.request("GET", `/api/services/${encodeURIComponent(name)}/log?stream=${stream}&lines=${lines}`)).text();
  }
  /** The log's last `lines` lines, then everything written after, until the daemon ends it. */
  async follow(name: string, stream: "stdout" | "stderr", lines: number): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request("GET", `/api/services/${encodeURIComponent(name)}/log/follow?stream=${stream}&lines=${lines}`);
    if (!res.body) throw new TendError("FAILED", "the daemon sent no log stream");
    return res.body;
  }
  reload(dryRun: boolean): Promise<ReloadPlanDTO> {
    return this.json("POST", `/api/reload${dryRun ? "?dry_run=1" : ""}`);
  }
  /** Answers once every program is stopped, or throws STILL_RUNNING naming what is not. */
  shutdown(): Promise<Partial<ShutdownDTO>> {
    return this.json("POST", "/api/shutdown?wait=1");
  }
  daemon(): Promise<DaemonDTO> {
    return this.json("GET", "/api/daemon");
  }
}
