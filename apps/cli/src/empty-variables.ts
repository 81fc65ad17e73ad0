import type { Command } from 'commander';

/**
 * An option's environment variable set to the empty string (`ENVELOPE_CONFIG= envelope …`, or a CI
 * template that blanks it) counts as unset: the option keeps its default. Commander takes any
 * variable that exists, so `''` would reach the command (an empty `--config` is the working directory).
 */
export function emptyVariablesAreUnset(program: Command): void {
  // A hook on the program runs before the action of every subcommand, with that subcommand.
  program.hook('preAction', (_program, action) => {
    for (const option of action.options) {
      const name = option.attributeName();
      if (!option.envVar || process.env[option.envVar] !== '') continue;
      if (action.getOptionValueSource(name) !== 'env') continue;
      action.setOptionValueWithSource(name, option.defaultValue, 'default');
    }
  });
}
