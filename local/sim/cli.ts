// `npm run sim -- --scenario <file> [--clock real|virtual] [--data <dir>]`: starts the simulated fleet and
// prints one JSON line with its endpoints, the CA path and each cluster's kubeconfig. Stops on SIGINT/SIGTERM.

import { parseArgs } from "node:util";
import { ScenarioError } from "./scenario/load.ts";
import { startSimulator } from "./simulator.ts";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run sim -- --scenario <file> [--clock real|virtual] [--data <dir>]`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    scenario: { type: "string" },
    clock: { type: "string", default: "real" },
    data: { type: "string", default: ".data/sim" },
  },
  strict: true,
});
if (!values.scenario) usage("--scenario is required");
if (values.clock !== "real" && values.clock !== "virtual")
  usage(`--clock must be real or virtual, not "${values.clock}"`);

try {
  const simulator = await startSimulator({
    scenarioFile: values.scenario,
    clock: values.clock,
    dataDir: values.data,
  });
  console.log(JSON.stringify(simulator.summary()));
  const stop = () => {
    void simulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  if (error instanceof ScenarioError) usage(error.message);
  throw error;
}
