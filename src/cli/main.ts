/** The `vpcpeer` command line. */
import { Command, CommanderError } from "commander";
import { DomainError } from "../domain/errors.ts";
import { ApiError } from "./client.ts";
import { serverCommands } from "./commands/server.ts";
import { tenantCommands } from "./commands/tenant.ts";
import { peeringCommands } from "./commands/peering.ts";
import { routerInterfaceCommands } from "./commands/router-interface.ts";
import { probeCommands } from "./commands/probe.ts";
import { explainCommands } from "./commands/explain.ts";
import { labCommands } from "./commands/lab.ts";
import { dataplaneCommands } from "./commands/dataplane.ts";
import { securityGroupCommands } from "./commands/security-group.ts";
import { globalOptions } from "./commands/common.ts";

const program = new Command("vpcpeer")
  .description("Self-hosted VPC peering: server, operator and tenant commands")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

globalOptions(program);

serverCommands(program);
tenantCommands(program);
peeringCommands(program);
routerInterfaceCommands(program);
probeCommands(program);
explainCommands(program);
labCommands(program);
dataplaneCommands(program);
securityGroupCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof ApiError || e instanceof DomainError) {
    process.stderr.write(`error: ${e.code}: ${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
}
