// Loaded into Azurite's own process (node --import) by startAzurite. Azurite holds its location's lock
// while it runs, so a second Azurite never opens the same files (one left shutting down by a killed
// start is waited for), and it shuts down as on Ctrl-C when its IPC channel to the process that started
// it closes: when that process stops it, and when that process is gone, even killed with SIGKILL.

import { mkdirSync } from "node:fs";
import { lockDirectoryWhenFree } from "./directory-lock.ts";

/** How long a previous Azurite on the same location may take to save its database and exit. */
const PREVIOUS_OWNER_WAIT_MS = 15_000;
/** After this, a shutdown that hangs ends the process anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

const locationFlag = process.argv.indexOf("--location");
if (locationFlag !== -1) {
  const location = process.argv[locationFlag + 1] as string;
  mkdirSync(location, { recursive: true });
  const lock = await lockDirectoryWhenFree(
    location,
    "azurite.lock",
    () => new Date(),
    PREVIOUS_OWNER_WAIT_MS,
  );
  process.on("exit", () => lock.release());
}
// With the starter gone its pipes break; Azurite must still get to save its database.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
process.once("disconnect", () => {
  setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
  process.kill(process.pid, "SIGINT");
});
