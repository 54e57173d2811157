// List bodies built from each item's JSON as last serialized: a drain lists the same node's pods every few
// seconds and most of them have not changed, so a list costs what changed rather than a JSON.stringify of
// every item. An item's bytes are dropped when the object changes, so only unchanged objects hold any.

import type { KubeStore } from "../model/kube-store.ts";
import type { KubeObject } from "../model/kube-types.ts";

/** A response body serialized already: sent as these bytes, never stringified again. */
export class JsonBody {
  readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }
}

const ITEMS_KEY = Buffer.from(',"items":[');
const COMMA = Buffer.from(",");
const END = Buffer.from("]}");

export class ListJson {
  /** An object's JSON as a list item (no kind and apiVersion) at a resourceVersion, until it changes. */
  private readonly items = new WeakMap<KubeObject, { version: string; bytes: Buffer }>();

  constructor(store: KubeStore) {
    store.watch(({ object }) => this.items.delete(object));
  }

  /** Exactly JSON.stringify({ kind, apiVersion, metadata, items }) with each item without its type meta. */
  body(kind: string, apiVersion: string, metadata: Record<string, unknown>, objects: KubeObject[]): JsonBody {
    const head = JSON.stringify({ kind, apiVersion, metadata });
    const parts: Buffer[] = [Buffer.from(head.slice(0, -1)), ITEMS_KEY];
    objects.forEach((object, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(this.item(object));
    });
    parts.push(END);
    return new JsonBody(Buffer.concat(parts));
  }

  private item(object: KubeObject): Buffer {
    const version = object.metadata.resourceVersion;
    const known = this.items.get(object);
    // The version too: a change made without a watch event would still show.
    if (known?.version === version) return known.bytes;
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
    const bytes = Buffer.from(JSON.stringify(rest));
    this.items.set(object, { version, bytes });
    return bytes;
  }
}
