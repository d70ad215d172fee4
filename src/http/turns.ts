// Starts the TCP listener's requests a few per event-loop turn, so that no load on TCP can hold
// the event loop (and with it the unix socket, timers, child pipes and signals).
//
// Why it is needed (#11 item 4): Bun's node:http sets TCP_DEFER_ACCEPT on a TCP listener, so
// a connection is accepted only once its request has arrived, and Bun's accept loop
// (bun-usockets loop.c) reads and dispatches that request at once, inside the loop, which
// accepts again until accept() fails. A request handled there runs to its answer before the
// next accept (promises drain after each callback); its client, answered, reconnects at once.
// With 200 clients on new connections the loop never ran dry: one turn of the event loop took
// 3-10 s, the unix socket got no answer for as long, and garbage piled up (the collections Bun
// schedules from its event loop did not run): RSS 0.3-0.7 GB on a 2-core box, 1.6-3.6 GB in
// the issue. A unix socket has no deferred accept: its requests are read on the next turn,
// which is why the same load there stayed near 200 MB.
//
// Here the accept loop only queues a request; a turn starts at most `perTurn` of them (on
// setImmediate), so the loop runs dry after the connections already waiting, and each turn
// leaves room for everything else. Past `maxWaiting` queued requests, more are refused at once
// (503) rather than held.

export class TurnQueue {
  private readonly jobs: Array<() => void> = [];
  private head = 0;
  private scheduled = false;

  constructor(
    private readonly perTurn: number,
    private readonly maxWaiting: number,
  ) {}

  get waiting(): number {
    return this.jobs.length - this.head;
  }

  /** Queue `job` to start on a later turn; false (nothing queued) when too many wait already. */
  push(job: () => void): boolean {
    if (this.waiting >= this.maxWaiting) return false;
    this.jobs.push(job);
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = () => {
    this.scheduled = false;
    for (let n = 0; n < this.perTurn && this.head < this.jobs.length; n++) {
      const job = this.jobs[this.head]!;
      this.jobs[this.head++] = undefined!;
      try {
        job();
      } catch {
        /* a job answers its own errors; one that throws must not stop the others */
      }
    }
    if (this.head === this.jobs.length) {
      this.jobs.length = 0;
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.jobs.splice(0, this.head);
        this.head = 0;
      }
      this.schedule();
    }
  };
}
