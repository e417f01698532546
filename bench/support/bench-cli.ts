/** What every benchmark's command line shares: `--name value` flags (a bare `--name` is '') and printing a line. */
export function parseArgs (argv: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '')
    const value = argv[i + 1]
    if (value === undefined || value.startsWith('--')) out[name] = ''
    else { out[name] = value; i++ }
  }
  return out
}

export function say (line: string): void {
  process.stdout.write(line + '\n')
}
