// Send and Cancel leave the sender work (messages to expand, queued messages to stop). The signal
// tells the senders of this process at once instead of at their next poll; senders elsewhere
// (other processes) find the work by polling the database, so nothing depends on it.
export class WorkSignal {
  private readonly listeners = new Set<() => void>();

  ring(): void {
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` at each ring until the returned function is called. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
