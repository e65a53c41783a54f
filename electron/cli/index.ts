/** Entry of the `pilothouse` command (bin/pilothouse.js loads the built copy of this file). */
import { main } from './program';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pilothouse: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
