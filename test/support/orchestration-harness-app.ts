// The app an orchestration harness hosts: every orchestrator of the product, real, and every activity
// of the contracts, fake (each calls the handler the test set in activity-fakes.ts).

import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ACTIVITIES, type ActivityName } from "../../orchestrations/contracts.ts";
import { registerActivity } from "../../orchestrations/steps/register.ts";
import { fakeActivities } from "./activity-fakes.ts";

const ORCHESTRATIONS_DIR = fileURLToPath(new URL("../../orchestrations/", import.meta.url));

for (const file of readdirSync(ORCHESTRATIONS_DIR).filter((name) => name.endsWith(".orchestrator.ts"))) {
  await import(pathToFileURL(`${ORCHESTRATIONS_DIR}${file}`).href);
}

function registerFake<K extends ActivityName>(name: K): void {
  registerActivity(name, { handler: (input) => fakeActivities.invoke(name, input) });
}

for (const name of Object.values(ACTIVITIES)) registerFake(name);
