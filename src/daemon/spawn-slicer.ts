// Spawning is synchronous (vfork + exec: 1–2 ms each). A burst of them (autostart, start
// all, a reload adding programs) held the event loop for seconds at thousands of programs,
// and no request was answered meanwhile. Every spawn goes through here: up to a budget of
// them per loop turn, the rest in the turns after, in the order asked (priority order).
// A lone spawn (a crash's restart) still runs at once.

export class SpawnSlicer {
  private readonly queue: Array<(() => void) | undefined> = [];
  private head = 0;
  /** ms of spawning done in this turn. */
  private spent = 0;
  /** A next turn is scheduled: it resets `spent` and runs what waits. */
  private turnAhead = false;

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number,
    private readonly nextTurn: (fn: () => void) => void,
  ) {}

  /** Jobs waiting for a later turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Run `job` now if this turn's budget allows and nothing asked earlier waits; else later. */
  run(job: () => void): void {
    if (this.waiting === 0 && this.spent < this.budgetMs) this.runOne(job);
    else this.queue.push(job);
    this.scheduleTurn();
  }

  private runOne(job: () => void): void {
    const t0 = this.now();
    try {
      job();
    } finally {
      this.spent += this.now() - t0;
    }
  }

  private scheduleTurn(): void {
    if (this.turnAhead) return;
    this.turnAhead = true;
    this.nextTurn(() => this.turn());
  }

  private turn(): void {
    this.turnAhead = false;
    this.spent = 0;
    try {
      while (this.waiting > 0 && this.spent < this.budgetMs) {
        const job = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        this.runOne(job);
      }
    } finally {
      if (this.waiting === 0) {
        this.queue.length = 0;
        this.head = 0;
      } else {
        this.scheduleTurn();
      }
    }
  }
}
