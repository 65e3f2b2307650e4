/**
 * A predicate for `assert.throws` / `assert.rejects`: the error is an
 * InvalidArgumentError (from @tfjs-compress/vib, matched by shape so this
 * package need not depend on vib) that names `option`.
 */
export const namesOption = (option: string) => (error: unknown) =>
  error instanceof Error && error.name === 'InvalidArgumentError' && (error as Error & { option?: string }).option === option;
