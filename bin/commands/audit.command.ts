// `audit verify`: checks every migration's audit chain in the state store the app's settings name
// (STATE_SQLITE_FILE or TABLES_*), read through the same composition the service uses.

import { capabilities } from "../../shared/composition.ts";
import { verifyChain } from "../../shared/domain/records/audit-chain.ts";
import { type CliIo, type Command, EXIT_BAD_INPUT, EXIT_OK, UsageError } from "../command.ts";

export const auditCommand: Command = {
  name: "audit",
  usage: "audit verify",
  summary: "Check every migration's audit hash chain; exit 1 naming the first record that does not match.",
  async run(args: readonly string[], io: CliIo): Promise<number> {
    if (args.length !== 1 || args[0] !== "verify") throw new UsageError('the only action is "verify"');
    const { migrations, audit } = capabilities("state");
    const ids = (await migrations.list({})).map((migration) => migration.id).sort();
    let records = 0;
    for (const id of ids) {
      // The head first: a record appended meanwhile is then one more, not a missing one.
      const head = (await audit.head(id)) ?? null;
      const chain = await audit.list(id);
      const verification = verifyChain(chain, head);
      if (!verification.ok) {
        const { index, id: recordId, problem, detail } = verification;
        const where =
          problem === "missing records" ? `after record ${index}` : `record ${index + 1} (${recordId})`;
        io.stderr.write(`migration ${id}: ${where}: ${problem}: ${detail}\n`);
        return EXIT_BAD_INPUT;
      }
      records += chain.length;
    }
    io.stdout.write(`${ids.length} migration chains, ${records} records: all verify\n`);
    return EXIT_OK;
  },
};
