// List bodies built from each item's JSON as last serialized: a drain lists the same node's pods every few
// seconds and most of them have not changed, so a list costs what changed rather than a JSON.stringify of
// every item. Kept per object and resourceVersion, dropped when the object changes or goes, and the least
// recently listed dropped past a cap: a drain's working set is kept, not a whole cluster listed once.

import type { KubeStore } from "../model/kube-store.ts";
import type { KubeObject } from "../model/kube-types.ts";

/** A response body serialized already: sent as is, never stringified again. */
export class JsonBody {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** Characters of item JSON a cluster keeps: about 2 MB, several hundred pods. */
const CACHE_LIMIT_CHARS = 2 * 1024 * 1024;

export class ListJson {
  /** Least recently listed first (a Map keeps insertion order; a hit is moved to the end). */
  private readonly items = new Map<KubeObject, { version: string; json: string }>();
  private chars = 0;

  constructor(store: KubeStore) {
    store.watch(({ object }) => this.drop(object));
  }

  /** Characters of item JSON kept now. */
  get keptChars(): number {
    return this.chars;
  }

  /** Exactly JSON.stringify({ kind, apiVersion, metadata, items }) with each item without its type meta. */
  body(kind: string, apiVersion: string, metadata: Record<string, unknown>, objects: KubeObject[]): JsonBody {
    const head = JSON.stringify({ kind, apiVersion, metadata });
    const items = objects.map((object) => this.item(object)).join(",");
    return new JsonBody(`${head.slice(0, -1)},"items":[${items}]}`);
  }

  private item(object: KubeObject): string {
    const version = object.metadata.resourceVersion;
    const known = this.items.get(object);
    // The version too: a change made without a watch event would still show.
    if (known?.version === version) {
      this.items.delete(object);
      this.items.set(object, known);
      return known.json;
    }
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
    const json = JSON.stringify(rest);
    this.drop(object);
    this.items.set(object, { version, json });
    this.chars += json.length;
    for (const [oldest, entry] of this.items) {
      if (this.chars <= CACHE_LIMIT_CHARS) break;
      this.items.delete(oldest);
      this.chars -= entry.json.length;
    }
    return json;
  }

  private drop(object: KubeObject): void {
    const known = this.items.get(object);
    if (!known) return;
    this.items.delete(object);
    this.chars -= known.json.length;
  }
}
