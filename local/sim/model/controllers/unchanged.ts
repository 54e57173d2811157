// Controllers skip objects whose inputs did not change since they last looked, so a reconcile pass costs
// what changed, not the whole cluster. The key names those inputs (store revisions, fault versions).

export class LastLook {
  private readonly seen = new WeakMap<object, string | number>();

  /** True when `key` differs from the last look at `object` (which it now records). */
  changed(object: object, key: string | number): boolean {
    if (this.seen.get(object) === key) return false;
    this.seen.set(object, key);
    return true;
  }
}
