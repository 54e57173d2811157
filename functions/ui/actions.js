// Buttons for what the person may do at a migration, with a comment; for each thing the service would
// refuse them, the reason instead of a button (the service's own rules, from GET .../offers).

import { api, migrationPath, reasonOf } from "./api.js";
import { h } from "./dom.js";

const LABELS = {
  approve: "Approve",
  reject: "Reject",
  retry: "Retry the drain",
  "skip-pod": "Skip the pod",
  "delete-pod": "Delete the pod",
  rollback: "Roll back",
  resume: "Resume",
  pause: "Pause",
};
const POD_DECISIONS = ["skip-pod", "delete-pod"];

/** The request that gives `action`: a control (pause, rollback), or an answer to the wait. */
function request(migration, kind, action, comment, pod) {
  const path = migrationPath(migration.id);
  if (kind === "controls" || action === "resume") return { path: `${path}/${action}`, body: { comment } };
  if (action === "approve" || action === "reject") {
    return { path: `${path}/approvals`, body: { gate: migration.awaiting.gate, decision: action, comment } };
  }
  return {
    path: `${path}/decisions`,
    body: { decision: action, comment, ...(POD_DECISIONS.includes(action) && { pod }) },
  };
}

/** The stuck pods a drain decision may name, from the wait's evidence. */
function stuckPods(migration) {
  const stuck = migration.awaiting?.evidence?.stuck;
  return Array.isArray(stuck) ? stuck.map((entry) => entry.pod).filter(Boolean) : [];
}

function whyNot(refused, subject) {
  const reasons = [...new Set(refused.map((offer) => offer.reason))];
  if (reasons.length === 1) {
    return h("p", { class: "why-not" }, `Not offered to you: ${subject}. `, reasons[0]);
  }
  return h(
    "ul",
    { class: "why-not", "aria-label": `Not offered to you: ${subject}` },
    refused.map((offer) => h("li", {}, `${LABELS[offer.action] ?? offer.action}: ${offer.reason}`)),
  );
}

/**
 * The form for the person's `kind` of offers ("answers" to the wait, or "controls"), or why they may not
 * act; `onDone` is told what the service answered.
 */
export function actionForm(migration, offers, kind, onDone) {
  const offered = offers[kind];
  if (offered.length === 0) return null;
  const subject = kind === "answers" ? `gate ${migration.awaiting.gate}` : "pause or roll back";
  const allowed = offered.filter((offer) => offer.allowed);
  const refused = offered.filter((offer) => !offer.allowed);
  if (allowed.length === 0) return whyNot(refused, subject);
  const key = `${migration.id}-${subject}`.replace(/[^A-Za-z0-9-]/g, "-");
  const comment = h("textarea", { id: `comment-${key}`, name: "comment", rows: 2, maxlength: 2000 });
  const pods = stuckPods(migration);
  const needsPod = allowed.some((offer) => POD_DECISIONS.includes(offer.action));
  const podChoice =
    needsPod && pods.length > 0
      ? h(
          "select",
          { id: `pod-${key}`, name: "pod" },
          pods.map((pod, index) => h("option", { value: index }, `${pod.namespace}/${pod.name}`)),
        )
      : null;
  const form = h(
    "form",
    { "aria-label": `${subject}: ${migration.cluster}/${migration.pool}` },
    h("label", { for: comment.id }, "Comment (what you looked at, why)"),
    comment,
    podChoice && [h("label", { for: podChoice.id }, "Stuck pod"), podChoice],
    h(
      "div",
      {},
      allowed.map((offer) =>
        h(
          "button",
          { type: "submit", value: offer.action, class: offer.action === "approve" ? "" : "secondary" },
          LABELS[offer.action] ?? offer.action,
        ),
      ),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter?.value;
    if (!action) return;
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    const pod = podChoice ? pods[Number(podChoice.value)] : undefined;
    const { path, body } = request(migration, kind, action, comment.value, pod);
    const answer = await api(path, { method: "POST", body });
    onDone(answer.ok ? (answer.body.result ?? `${action}: done`) : reasonOf(answer), !answer.ok);
  });
  return [form, refused.length > 0 && whyNot(refused, subject)];
}
