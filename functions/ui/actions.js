// Buttons for what the person may do at a migration or a rollout, with a comment; for each thing the
// service would refuse them, the reason instead of a button (the service's own rules, from GET .../offers).

import { api, migrationPath, reasonOf } from "./api.js";
import { h } from "./dom.js";

const MIGRATION_LABELS = {
  approve: "Approve",
  reject: "Reject",
  retry: "Retry the drain",
  "skip-pod": "Skip the pod",
  "delete-pod": "Delete the pod",
  "force-delete-pod": "Force-delete the pod (grace period 0)",
  rollback: "Roll back",
  resume: "Resume",
  pause: "Pause",
};
const POD_DECISIONS = ["skip-pod", "delete-pod", "force-delete-pod"];

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

function whyNot(refused, subject, labels) {
  const reasons = [...new Set(refused.map((offer) => offer.reason))];
  if (reasons.length === 1) {
    return h("p", { class: "why-not" }, `Not offered to you: ${subject}. `, reasons[0]);
  }
  return h(
    "ul",
    { class: "why-not", "aria-label": `Not offered to you: ${subject}` },
    refused.map((offer) => h("li", {}, `${labels[offer.action] ?? offer.action}: ${offer.reason}`)),
  );
}

/**
 * A form with a comment box and a button per `offered` action the person may take, then why the service
 * would refuse the others; or only why, when it would refuse them all. `requestOf(action, comment)` is
 * what to POST ({path, body}); `onDone` is told what the service answered.
 */
export function offerForm({ key, subject, name, offered, labels, commentLabel, extra, requestOf, onDone }) {
  if (offered.length === 0) return null;
  const allowed = offered.filter((offer) => offer.allowed);
  const refused = offered.filter((offer) => !offer.allowed);
  if (allowed.length === 0) return whyNot(refused, subject, labels);
  const id = key.replace(/[^A-Za-z0-9-]/g, "-");
  const comment = h("textarea", { id: `comment-${id}`, name: "comment", rows: 2, maxlength: 2000 });
  const form = h(
    "form",
    { "aria-label": `${subject}: ${name}` },
    h("label", { for: comment.id }, commentLabel),
    comment,
    extra,
    h(
      "div",
      {},
      allowed.map((offer) =>
        h(
          "button",
          {
            type: "submit",
            value: offer.action,
            class: ["approve", "resume"].includes(offer.action) ? "" : "secondary",
          },
          labels[offer.action] ?? offer.action,
        ),
      ),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter?.value;
    if (!action) return;
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    const { path, body } = requestOf(action, comment.value);
    const answer = await api(path, { method: "POST", body });
    // Refused: the person corrects the comment and sends again (a redraw may not come while they type).
    if (!answer.ok) for (const button of form.querySelectorAll("button")) button.disabled = false;
    onDone(answer.ok ? (answer.body.result ?? `${action}: done`) : reasonOf(answer), !answer.ok);
  });
  return [form, refused.length > 0 && whyNot(refused, subject, labels)];
}

/**
 * The form for the person's `kind` of offers at a migration ("answers" to the wait, or "controls"), or
 * why they may not act; `onDone` is told what the service answered.
 */
export function actionForm(migration, offers, kind, onDone) {
  const subject = kind === "answers" ? `gate ${migration.awaiting?.gate}` : "pause or roll back";
  const key = `${migration.id}-${subject}`;
  const pods = stuckPods(migration);
  const needsPod = offers[kind].some((offer) => offer.allowed && POD_DECISIONS.includes(offer.action));
  const podChoice =
    needsPod && pods.length > 0
      ? h(
          "select",
          { id: `pod-${key.replace(/[^A-Za-z0-9-]/g, "-")}`, name: "pod" },
          pods.map((pod, index) => h("option", { value: index }, `${pod.namespace}/${pod.name}`)),
        )
      : null;
  return offerForm({
    key,
    subject,
    name: `${migration.cluster}/${migration.pool}`,
    offered: offers[kind],
    labels: MIGRATION_LABELS,
    commentLabel: "Comment (what you looked at, why)",
    extra: podChoice && [h("label", { for: podChoice.id }, "Stuck pod"), podChoice],
    requestOf: (action, comment) =>
      request(migration, kind, action, comment, podChoice ? pods[Number(podChoice.value)] : undefined),
    onDone,
  });
}
