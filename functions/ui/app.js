// The page: who you are (and, in local mode, who to act as), a view per tab, refreshed every few seconds
// while something runs and every half minute otherwise. A view is {id, title, load(), render(data,
// onDone)} and maybe anchor(target): load calls the API and says whether anything is active; render
// builds the view from that; #<view>/<target> opens the view at the element anchor(target) names.

import { api, chooseLocalPerson, isLocalMode, localPerson, ROLES, reasonOf } from "./api.js";
import { decisionsView } from "./decisions.js";
import { h } from "./dom.js";
import { fleetView } from "./fleet.js";
import { migrationsView } from "./migrations.js";
import { rolloutsView } from "./rollouts.js";

const VIEWS = [fleetView, migrationsView, rolloutsView, decisionsView];
const ACTIVE_REFRESH_MS = 3000;
const IDLE_REFRESH_MS = 30_000;

const identity = document.getElementById("identity");
const status = document.getElementById("status");
const section = document.getElementById("view");
let timer;
let shown = { id: undefined, signature: undefined };

function currentView() {
  const id = location.hash.slice(1).split("/")[0];
  return VIEWS.find((view) => view.id === id) ?? VIEWS[0];
}

/** Brings the element the address names into view, focused for keyboard and screen reader users. */
function showTarget() {
  const [, ...target] = location.hash.slice(1).split("/");
  const anchor = target.length > 0 && currentView().anchor?.(decodeURIComponent(target.join("/")));
  const element = anchor && document.getElementById(anchor)?.closest("article");
  if (!element) return;
  element.setAttribute("tabindex", "-1");
  element.focus();
}

function say(message, isError = false) {
  status.textContent = message;
  status.className = isError ? "error" : "";
}

function renderNav() {
  const current = currentView();
  document
    .getElementById("views")
    .replaceChildren(
      ...VIEWS.map((view) =>
        h(
          "li",
          {},
          h("a", { href: `#${view.id}`, "aria-current": view === current ? "page" : false }, view.title),
        ),
      ),
    );
}

/** In local mode only: choose the person the page acts as (the header the service trusts locally). */
function localPersonForm() {
  const person = localPerson() ?? { name: "", roles: [], groups: [] };
  const name = h("input", {
    type: "text",
    id: "as-name",
    name: "name",
    value: person.name,
    autocomplete: "email",
  });
  const groups = h("input", {
    type: "text",
    id: "as-groups",
    name: "groups",
    value: person.groups.join(", "),
  });
  const roles = ROLES.map((role) =>
    h(
      "label",
      {},
      h("input", { type: "checkbox", name: "role", value: role, checked: person.roles.includes(role) }),
      ` ${role}`,
    ),
  );
  const form = h(
    "form",
    { "aria-label": "Act as (local mode)" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Act as (local mode: trusted from this machine only)"),
      h("label", { for: name.id }, "Name"),
      name,
      roles,
      h("label", { for: groups.id }, "Entra group ids (optional, comma-separated)"),
      groups,
      h("button", { type: "submit" }, "Act as this person"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = new FormData(form);
    chooseLocalPerson({
      name: String(chosen.get("name")).trim(),
      roles: chosen.getAll("role").map(String),
      groups: String(chosen.get("groups"))
        .split(/[\s,;]+/)
        .filter((group) => group !== ""),
    });
    showIdentity().then(() => refresh(true));
  });
  return h("details", { open: !localPerson() }, h("summary", {}, "Act as someone else"), form);
}

async function showIdentity() {
  const me = await api("me");
  const who = me.ok
    ? h(
        "p",
        {},
        "Signed in as ",
        h("strong", {}, me.body.name),
        me.body.roles.length > 0 ? ` (${me.body.roles.join(", ")})` : " (no product role)",
        isLocalMode() ? ", identity local" : "",
      )
    : h("p", { class: "why-not" }, reasonOf(me));
  const signIn =
    !me.ok &&
    !isLocalMode() &&
    h(
      "a",
      { href: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(location.pathname)}` },
      "Sign in",
    );
  identity.replaceChildren(who, signIn || "", isLocalMode() ? localPersonForm() : "");
}

/** Whether the person is typing in the view: a refresh then waits, so nothing they wrote is lost. */
function typing() {
  const focused = document.activeElement;
  return section.contains(focused) && ["TEXTAREA", "INPUT", "SELECT"].includes(focused.tagName);
}

/** Loads the view and renders it when its data changed (keeping open sections open). */
async function refresh(force = false) {
  clearTimeout(timer);
  const view = currentView();
  let active = false;
  try {
    const data = await view.load();
    active = data.active;
    const signature = JSON.stringify(data);
    const changed = force || shown.id !== view.id || shown.signature !== signature;
    if (changed && !typing()) {
      const open = [...section.querySelectorAll("details")].map((details) => details.open);
      section.replaceChildren(...[view.render(data, done)].flat(Infinity).filter(Boolean));
      const after = section.querySelectorAll("details");
      if (shown.id === view.id && after.length === open.length) {
        for (const [index, details] of after.entries()) details.open = open[index];
      }
      shown = { id: view.id, signature };
    }
  } catch (error) {
    say(`Could not reach the service: ${error.message}`, true);
  }
  timer = setTimeout(refresh, active ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS);
}

function done(message, isError) {
  say(message, isError);
  refresh(true);
}

window.addEventListener("hashchange", () => {
  renderNav();
  say("");
  refresh(true).then(showTarget);
});

renderNav();
await showIdentity();
await refresh(true);
showTarget();
