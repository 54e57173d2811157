// `notices send FILE`: checks a lifecycle notice or AKS event file with the queue's own intake, then
// enqueues it on the retirement-notices queue. A bad file is refused here with the reason the service
// would give, and nothing is sent.

import { readFile } from "node:fs/promises";
import { DefaultAzureCredential } from "@azure/identity";
import { serviceBusClientFor } from "../../shared/azure/service-bus-client.ts";
import {
  loadServiceBusSettings,
  SERVICE_BUS_CONNECTION,
  SERVICE_BUS_NAMESPACE,
  SettingsError,
} from "../../shared/settings.ts";
import {
  type CliIo,
  type Command,
  EXIT_BAD_INPUT,
  EXIT_OK,
  parseCommandArgs,
  UsageError,
} from "../command.ts";
import { prepareNotice } from "../notices/notice-sender.ts";

function parse(args: readonly string[]) {
  const parsed = parseCommandArgs({
    args: [...args],
    options: { "connection-string": { type: "string" }, queue: { type: "string" } },
    strict: true,
    allowPositionals: true,
  });
  const [action, file, ...extra] = parsed.positionals;
  if (action !== "send") {
    throw new UsageError(action ? `unknown action "${action}" (expected send)` : "expected: send FILE");
  }
  if (!file) throw new UsageError("send needs the FILE to send");
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
  return { file, connectionString: parsed.values["connection-string"], queue: parsed.values.queue };
}

async function send(args: readonly string[], io: CliIo): Promise<number> {
  const options = parse(args);
  const fail = (text: string) => {
    io.stderr.write(`aks-image-lifecycle notices: ${text}\n`);
    return EXIT_BAD_INPUT;
  };
  let text: string;
  try {
    text = await readFile(options.file, "utf8");
  } catch (error) {
    return fail(`cannot read ${options.file}: ${(error as Error).message}`);
  }
  const prepared = prepareNotice(text, io.now());
  if (!prepared.ok) {
    const { reason, problems } = prepared.rejection;
    const details = problems.length > 1 ? problems.map((problem) => `\n  - ${problem}`).join("") : "";
    return fail(`${options.file} refused, nothing sent: ${reason}${details}`);
  }

  // Flags take the place of the app settings of the same meaning and are checked like them.
  const env = {
    ...io.env,
    ...(options.connectionString !== undefined && {
      [SERVICE_BUS_CONNECTION]: options.connectionString,
      [SERVICE_BUS_NAMESPACE]: undefined,
    }),
    ...(options.queue !== undefined && { NOTICES_QUEUE: options.queue }),
  };
  let settings: ReturnType<typeof loadServiceBusSettings>;
  try {
    settings = loadServiceBusSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return fail(error.message);
    throw error;
  }
  if (!settings.serviceBus) {
    throw new UsageError(
      `no Service Bus connection: pass --connection-string or set ${SERVICE_BUS_CONNECTION} (or ${SERVICE_BUS_NAMESPACE} for managed identity)`,
    );
  }
  const client = serviceBusClientFor(settings.serviceBus, new DefaultAzureCredential());
  try {
    const sender = client.createSender(settings.noticesQueue);
    await sender.sendMessages(prepared.message);
  } catch (error) {
    return fail(`could not send to queue ${settings.noticesQueue}: ${(error as Error).message}`);
  } finally {
    await client.close();
  }
  io.stdout.write(
    `sent ${prepared.description}\n  to queue ${settings.noticesQueue} as message ${prepared.message.messageId}\n`,
  );
  return EXIT_OK;
}

export const noticesCommand: Command = {
  name: "notices",
  usage: "notices send FILE [--connection-string CONNECTION] [--queue NAME]",
  summary:
    "Checks a lifecycle notice or AKS event (JSON) with the service's own rules, then enqueues it on the retirement-notices queue (settings: ServiceBusConnection, NOTICES_QUEUE).",
  run: send,
};
