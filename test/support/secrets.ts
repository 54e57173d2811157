// The secrets a run used, collected from where they really are (settings, kubeconfigs, the host's keys,
// what clients presented to the simulator, what a test sent), and a search for them, and for anything
// shaped like a credential, in what the product wrote. A finding names the secret's kind and where it was
// found, never the secret itself.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { HostKeys } from "../../local/host/host-keys.ts";
import { connectionStringParts } from "../../shared/settings/settings-group.ts";

export interface Secret {
  /** What it is ("setting ServiceBusConnection", "kubeconfig aks-prod-eus.yaml user token"). */
  readonly kind: string;
  readonly value: string;
}

/** Something the product wrote, as text, and where it was found. */
export interface Written {
  readonly where: string;
  readonly text: string;
}

export interface Leak {
  readonly kind: string;
  readonly where: string;
}

/** Shorter values would be found by chance in ordinary text: a test gives its secrets longer ones. */
const MIN_SECRET_CHARS = 12;
/** A setting whose name says it holds a secret. */
const SECRET_SETTING = /key|secret|token|password|connection/i;
/** The parts of an identity-based connection that name where and who, not a secret (Functions' `__` settings). */
const IDENTITY_CONNECTION_PART = /__(fullyQualifiedNamespace|credential|clientId|tenantId|\w*serviceUri)$/i;
/** The secret parts of connection strings (Storage, Service Bus, SAS). */
const CONNECTION_STRING_SECRETS = ["AccountKey", "SharedAccessKey", "SharedAccessSignature"];

/** Anything shaped like a credential, whatever run it came from. */
const CREDENTIAL_SHAPES: readonly { kind: string; pattern: RegExp }[] = [
  { kind: "a PEM private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { kind: "a SharedAccessKey= connection string part", pattern: /SharedAccessKey=[^;"'\s]/i },
  { kind: "an AccountKey= connection string part", pattern: /AccountKey=[^;"'\s]/i },
  { kind: "a SharedAccessSignature token", pattern: /SharedAccessSignature\s+s[a-z]=/i },
  { kind: "a JWT-shaped token", pattern: /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*/ },
  { kind: "a Bearer credential", pattern: /\bBearer\s+[\w.~+/-]{8,}/ },
];

function secret(kind: string, value: string): Secret {
  if (value.length < MIN_SECRET_CHARS) {
    throw new Error(
      `${kind} is ${value.length} characters: too short to search for (give the run a value of ${MIN_SECRET_CHARS} or more)`,
    );
  }
  return { kind, value };
}

/**
 * Every setting whose name says key, secret, token, password or connection, with the secret parts of its
 * connection string on their own; and the query of every webhook URL (Teams and Logic Apps sign theirs).
 */
export function settingSecrets(settings: Readonly<Record<string, string>>): Secret[] {
  return Object.entries(settings).flatMap(([name, value]) => {
    if (value === "") return [];
    if (SECRET_SETTING.test(name) && !IDENTITY_CONNECTION_PART.test(name)) {
      const parts = connectionStringParts(value);
      return [
        secret(`setting ${name}`, value),
        ...CONNECTION_STRING_SECRETS.flatMap((part) => {
          const partValue = parts.get(part.toLowerCase());
          return partValue ? [secret(`setting ${name}'s ${part}`, partValue)] : [];
        }),
      ];
    }
    if (/WEBHOOK_URL$/.test(name) && URL.canParse(value)) {
      return [...new URL(value).searchParams].map(([parameter, parameterValue]) =>
        secret(`setting ${name}'s query parameter ${parameter}`, parameterValue),
      );
    }
    return [];
  });
}

/** The user credentials of every kubeconfig in `directory`: tokens, passwords, client keys. */
export function kubeconfigSecrets(directory: string): Secret[] {
  return readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .flatMap((file) => {
      const config = parse(readFileSync(join(directory, file), "utf8")) as {
        users?: { name: string; user?: Record<string, unknown> }[];
      };
      return (config.users ?? []).flatMap(({ name, user = {} }) =>
        ["token", "password", "client-key-data"].flatMap((field) => {
          const value = user[field];
          if (typeof value !== "string") return [];
          const kind = `kubeconfig ${file} user ${name}'s ${field}`;
          return field === "client-key-data"
            ? [secret(kind, value), secret(`${kind} (decoded)`, Buffer.from(value, "base64").toString())]
            : [secret(kind, value)];
        }),
      );
    });
}

/** The Functions host's keys, by name. */
export function hostKeySecrets(
  keys: Pick<HostKeys, "master" | "functionDefault" | "durableSystem">,
): Secret[] {
  const { master, functionDefault, durableSystem } = keys;
  return Object.entries({ master, functionDefault, durableSystem }).map(([name, value]) =>
    secret(`host key ${name}`, value),
  );
}

/** The credentials clients presented to a service (the simulator records them). */
export function presentedSecrets(presented: readonly { service: string; credential: string }[]): Secret[] {
  return presented.map(({ service, credential }) => secret(`credential presented to ${service}`, credential));
}

/**
 * The credentials in request headers a test sent: Authorization's token (after its scheme), function keys
 * and cookies. An Entra caller's `Authorization: Bearer <jwt>` is one of these.
 */
export function headerSecrets(sent: readonly Headers[]): Secret[] {
  const found = new Map<string, Secret>();
  for (const headers of sent) {
    const authorization = headers.get("authorization");
    const values: [string, string | null | undefined][] = [
      ["Authorization token", authorization?.replace(/^\S+\s+/, "")],
      ["x-functions-key", headers.get("x-functions-key")],
      ["Cookie", headers.get("cookie")],
    ];
    for (const [name, value] of values) {
      if (value) found.set(value, secret(`${name} header the test sent`, value));
    }
  }
  return [...found.values()];
}

/** `value` as it reads inside a JSON string. */
function inJson(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * The forms a secret takes in written text: as is, URL-encoded, inside a JSON string, and inside JSON
 * kept as a string in JSON (durable history keeps inputs and results so).
 */
function forms(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), inJson(value), inJson(inJson(value))])];
}

/** Every secret and every credential shape found in `written`, once per kind and place. */
export function findLeaks(secrets: readonly Secret[], written: readonly Written[]): Leak[] {
  const leaks = new Map<string, Leak>();
  const found = (kind: string, where: string) => leaks.set(`${kind}\n${where}`, { kind, where });
  for (const { where, text } of written) {
    for (const { kind, value } of secrets) {
      if (forms(value).some((form) => text.includes(form))) found(kind, where);
    }
    for (const { kind, pattern } of CREDENTIAL_SHAPES) {
      if (pattern.test(text)) found(kind, where);
    }
  }
  return [...leaks.values()];
}

/** One line per leak: its kind and where it was found. */
export function describeLeaks(leaks: readonly Leak[]): string {
  return leaks.map(({ kind, where }) => `${kind} found in ${where}`).join("\n");
}
