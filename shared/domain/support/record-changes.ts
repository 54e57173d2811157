// A long-lived workflow's record changes a little at each step: the workflow sends what changed (fields
// set, history lines added) rather than the whole record, so its Durable history does not grow with the
// record at every save. Both sides keep the history alike with the same line-by-line rule.

export interface HistoryLine {
  at: string;
  event: string;
  by?: string;
}

/** What a save sends: the fields changed since the last save (all of them in the first) and new lines. */
export interface Change<Fields, Line extends HistoryLine> {
  id: string;
  revision: number;
  set: Partial<Fields>;
  append: Line[];
}

interface ChangedRecord<Line extends HistoryLine> {
  id: string;
  revision: number;
  history: Line[];
}

/** Lines a record's history keeps, and how many of the oldest go at once when it is full. */
export const MAX_HISTORY = 400;
const HISTORY_DROP = 100;
const LEFT_OUT = /^(\d+) earlier lines left out/;

/**
 * Adds a line; when the history is full, the oldest lines after the first go, counted in one line
 * (the audit log keeps every step). The counting line takes the newest line's other fields, never its `by`.
 */
export function appendHistoryLine<Line extends HistoryLine>(history: Line[], entry: Line): void {
  history.push(entry);
  if (history.length <= MAX_HISTORY) return;
  const marker = LEFT_OUT.exec(history[1]?.event ?? "");
  const dropped = history.splice(1, HISTORY_DROP);
  const count = (marker ? Number(marker[1]) - 1 : 0) + dropped.length;
  const { by: _by, ...fields } = entry;
  history.splice(1, 0, {
    ...fields,
    at: dropped.at(-1)?.at ?? entry.at,
    event: `${count} earlier lines left out (the audit log has every step)`,
  } as Line);
}

/** The record after `change`; undefined when `base` already has this revision or a later one. */
export function applyChange<Record extends ChangedRecord<Line>, Fields, Line extends HistoryLine>(
  kind: string,
  base: Record | undefined,
  change: Change<Fields, Line>,
): Record | undefined {
  if (base && base.revision >= change.revision) return undefined;
  if (!base && change.revision !== 1) {
    throw new Error(`${kind} ${change.id} has no record to apply revision ${change.revision} to`);
  }
  const history = [...(base?.history ?? [])];
  for (const entry of change.append) appendHistoryLine(history, entry);
  return { ...(base as Record), ...change.set, id: change.id, history, revision: change.revision };
}

/** The fields whose JSON differs from what `sent` remembers of the last save; `sent` is updated. */
export function changedFields<Fields extends object>(
  sent: Map<string, string>,
  fields: Fields,
): Partial<Fields> {
  const set: Partial<Fields> = {};
  for (const [name, value] of Object.entries(fields)) {
    const json = JSON.stringify(value);
    if (sent.get(name) === json) continue;
    sent.set(name, json);
    (set as { [name: string]: unknown })[name] = value;
  }
  return set;
}
