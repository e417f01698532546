/**
 * Command-line flags the way Kafka's tools take them (joptsimple): `--name value` or `--name=value`,
 * repeatable options, `--help` printing an "Option / Description" table. A bad or missing flag is a
 * UsageError that names it; `runTool` prints it with the usage to stderr and exits 1, and prints any
 * other failure as one `Error: ...` line (no stack trace for a user's mistake or a dead server).
 */
import { readFileSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { ConfigError, UsageError } from '../errors.js'
import { parseProperties } from '../config/java-properties.js'

export interface FlagSpec {
  name: string
  /** For flags that take a value: joptsimple's "<String: what>" hint. Absent: a boolean switch. */
  arg?: string
  description: string
  /** May be given more than once (--config, --property ...). */
  repeatable?: boolean
  /** argparse4j's nargs('+'): takes every following token up to the next --flag (--producer-props a=1 b=2). */
  multiValue?: boolean
  /** joptsimple's optional argument: the value when the flag is given bare (--compression-codec → gzip). */
  bareValue?: string
}

export interface ToolSpec {
  name: string
  /** The paragraph Kafka prints above the option table. */
  summary: string
  flags: FlagSpec[]
}

export class ParsedFlags {
  constructor (private readonly values: Map<string, string[]>, readonly positional: string[]) {}

  has (name: string): boolean { return this.values.has(name) }
  /** The last value given, or undefined. */
  get (name: string): string | undefined { return this.values.get(name)?.at(-1) }
  all (name: string): string[] { return this.values.get(name) ?? [] }

  require (name: string): string {
    const v = this.get(name)
    if (v === undefined) throw new UsageError(`Missing required argument "[${name}]"`)
    return v
  }

  int (name: string, fallback: number): number {
    const v = this.get(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isSafeInteger(n)) throw new UsageError(`Option ${name}: '${v}' is not an integer`)
    return n
  }

  number (name: string, fallback: number): number {
    const v = this.get(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isFinite(n)) throw new UsageError(`Option ${name}: '${v}' is not a number`)
    return n
  }
}

/** Parses argv against the tool's flags; `--help` (or no args, when `helpWhenEmpty`) is a UsageError carrying the help. */
export function parseFlags (tool: ToolSpec, argv: readonly string[], helpWhenEmpty = true): ParsedFlags {
  if (argv.includes('--help') || argv.includes('-h') || (helpWhenEmpty && argv.length === 0)) throw new HelpRequested(helpText(tool))
  const byName = new Map(tool.flags.map(f => [f.name, f]))
  const values = new Map<string, string[]>()
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = a.slice(2, eq < 0 ? undefined : eq)
    const spec = byName.get(name)
    if (spec === undefined) throw new UsageError(`${name} is not a recognized option`)
    let value: string
    if (spec.arg === undefined) {
      if (eq >= 0) throw new UsageError(`Option ${name} does not take an argument`)
      value = 'true'
    } else if (eq >= 0) value = a.slice(eq + 1)
    else {
      const next = argv[i + 1]
      if (next === undefined || (next.startsWith('--') && byName.has(next.slice(2).split('=')[0]!))) {
        if (spec.bareValue === undefined) throw new UsageError(`Option ${name} requires an argument`)
        value = spec.bareValue
      } else {
        value = next
        i++
      }
    }
    if (!spec.repeatable && !spec.multiValue && values.has(name) && spec.arg !== undefined) throw new UsageError(`Option ${name} was given more than once`)
    const more: string[] = []
    while (spec.multiValue === true && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) more.push(argv[++i]!)
    values.set(name, [...(values.get(name) ?? []), value, ...more])
  }
  return new ParsedFlags(values, positional)
}

/** The joptsimple-style help: summary, then the option table with wrapped descriptions. */
export function helpText (tool: ToolSpec): string {
  const left = 41
  const width = 80
  const lines = [tool.summary, 'Option'.padEnd(left) + 'Description', '------'.padEnd(left) + '-----------']
  const flags = [...tool.flags, { name: 'help', description: 'Print usage information.' }].sort((a, b) => a.name.localeCompare(b.name))
  for (const f of flags) {
    const head = wrap(`--${f.name}${'arg' in f && f.arg !== undefined ? ` <${f.arg}>` : ''}`, left - 2, '  ')
    const desc = wrap(f.description, width - left, '  ')
    for (let i = 0; i < Math.max(head.length, desc.length); i++) lines.push((head[i] ?? '').padEnd(left) + (desc[i] ?? ''))
  }
  return lines.join('\n')
}

/** Kafka's k=v list flags (--config, --property, --producer-property): `a=b`, value may hold '='. */
export function keyValue (flag: string, text: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new UsageError(`Option ${flag}: '${text}' is not of the form key=value`)
  return [text.slice(0, eq).trim(), text.slice(eq + 1)]
}

/** Properties from a --command-config / --producer.config style file. */
export function readPropertiesFile (flag: string, file: string): Record<string, string> {
  return parseProperties(readFlagFile(flag, file))
}

/** The text of the file a flag names; one that cannot be read is a UsageError naming the flag. */
export function readFlagFile (flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`Option ${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/** --help: the table goes to stdout and the tool exits 0, as Kafka's CommandLineUtils.printHelpAndExitIfNeeded does. */
export class HelpRequested extends Error {}

/**
 * Runs a tool's main: UsageError → message + usage hint on stderr, exit 1; --help → the table on
 * stdout, exit 0; any other error → `Error: <message>` on stderr, exit 1.
 */
export function runTool (tool: ToolSpec, main: (argv: string[]) => Promise<number | undefined>): void {
  main(process.argv.slice(2)).then(code => exit(code ?? 0), (err: unknown) => {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message + '\n')
      exit(0)
    } else if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${tool.name}: try --help for the list of options\n`)
      exit(1)
    } else if (err instanceof ConfigError) {
      process.stderr.write(`Error: ${err.message}\n`)
      exit(1)
    } else {
      process.stderr.write(`Error: ${(err as Error).message ?? String(err)}\n`)
      exit(1)
    }
  })
}

/** Whether the module at `moduleUrl` is the script node was started with (bin/ runs it; tests import it). */
export function isMain (moduleUrl: string): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl
  } catch {
    return false
  }
}

/** Exits once stdout and stderr are flushed (a pipe may still hold output). */
export function exit (code: number): void {
  let pending = 2
  const done = (): void => { if (--pending === 0) process.exit(code) }
  process.stdout.write('', done)
  process.stderr.write('', done)
}

function wrap (text: string, width: number, indent: string): string[] {
  const out: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line)
      line = indent + word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') out.push(line)
  return out
}
