import { ProviderKindSchema, type ProviderKind } from '../shared/model.js';
import { invalidInput } from './command.js';

/** `--provider`'s value as a kind the model knows, or an error that lists them (one list, read from the model). */
export function providerOption(value: string | undefined): ProviderKind | undefined {
  if (value === undefined) return undefined;
  const parsed = ProviderKindSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const kinds = ProviderKindSchema.options;
  throw invalidInput(`Unknown provider "${value}"`, `Use --provider ${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`);
}
