// Errors of the RxJS bridge.

/**
 * An Observable pushed values faster than its `fromObservable` consumer read them
 * and the buffer was full, with the `'error'` overflow policy. The subscription is
 * closed; the values buffered before the overflow are still delivered first.
 */
export class BufferOverflowError extends Error {
  override name = 'BufferOverflowError';
  /** The size of the buffer that overflowed. */
  readonly bufferSize: number;
  constructor(bufferSize: number) {
    super(
      `Observable emitted faster than the consumer read: the buffer of ${bufferSize} value(s) overflowed ` +
        `(overflow: 'error'). Raise { buffer }, or choose overflow 'drop-oldest' or 'drop-newest'`,
    );
    this.bufferSize = bufferSize;
  }
}
