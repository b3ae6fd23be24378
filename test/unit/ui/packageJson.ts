import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const MenuItem = z.object({ command: z.string(), when: z.string().optional(), group: z.string().optional() });
const Command = z.object({ command: z.string(), title: z.string(), category: z.string().optional(), icon: z.string().optional() });
const Property = z.object({ type: z.union([z.string(), z.array(z.string())]), default: z.unknown(), description: z.string().optional() });

const PackageJson = z.object({
  name: z.string(),
  publisher: z.string(),
  activationEvents: z.array(z.string()).optional(),
  contributes: z.object({
    viewsContainers: z.object({ activitybar: z.array(z.object({ id: z.string(), title: z.string(), icon: z.string() })) }),
    views: z.record(z.string(), z.array(z.object({ id: z.string(), name: z.string() }))),
    viewsWelcome: z.array(z.object({ view: z.string(), contents: z.string(), when: z.string().optional() })),
    commands: z.array(Command),
    menus: z.record(z.string(), z.array(MenuItem)),
    configuration: z.object({ properties: z.record(z.string(), Property) }),
  }),
});
export type PackageJson = z.infer<typeof PackageJson>;

/** The repository's package.json, found from the compiled test's folder whatever the out dir is. */
export function loadPackageJson(): PackageJson {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = PackageJson.safeParse(JSON.parse(readFileSync(candidate, 'utf8')));
      if (parsed.success && parsed.data.name === 'code-swarm') return parsed.data;
    }
    if (dirname(dir) === dir) throw new Error('package.json of code-swarm not found above ' + __dirname);
  }
}

/** Every `when` clause in the package, with where it came from. */
export function allWhenClauses(pkg: PackageJson): { where: string; when: string }[] {
  const out: { where: string; when: string }[] = [];
  for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
    for (const i of items) if (i.when !== undefined) out.push({ where: `${menu} ${i.command}`, when: i.when });
  }
  for (const w of pkg.contributes.viewsWelcome) if (w.when !== undefined) out.push({ where: `viewsWelcome ${w.view}`, when: w.when });
  return out;
}
