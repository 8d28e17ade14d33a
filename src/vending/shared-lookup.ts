/**
 * A lookup made once and shared by every caller (concurrent ones included); a failure is not kept, so the
 * next caller tries again.
 */
export function sharedLookup<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
