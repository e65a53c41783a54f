/**
 * The `pilothouse` command's definition. Subcommands appear here only once they work; --help lists exactly
 * these. Usage errors exit 2, runtime failures 1, each with one line on stderr.
 */
import { Command, CommanderError } from 'commander';
import { PILOTHOUSE_VERSION } from '../engine/version';
import { serverCommand } from './commands/server';
import { simCommand } from './commands/sim';
import { CliError } from './errors';

export function buildProgram(): Command {
  const program = new Command('pilothouse')
    .description('Pilothouse: a small Kubernetes distribution you run from your desktop')
    .version(PILOTHOUSE_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (text, write) => write(`pilothouse: ${text.replace(/^error: /, '')}`),
    })
    .exitOverride();
  program.addCommand(serverCommand());
  program.addCommand(simCommand());
  // Commander copies settings to subcommands added after these calls only; apply to all.
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      outputError: (text, write) => write(`pilothouse ${cmd.name()}: ${text.replace(/^error: /, '')}`),
    });
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are normal exits; the message was already printed.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    const cliErr = CliError.from(err);
    process.stderr.write(`pilothouse: ${cliErr.message}\n`);
    return cliErr.exitCode;
  }
}
