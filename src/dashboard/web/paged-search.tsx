/** A list searched and paged on the server: the search box (one watch per pause in typing, not per key) and the pager. */
import { useEffect, useState } from 'preact/hooks'

export const PAGE = 50

export function usePagedSearch (): { typed: string, setTyped: (s: string) => void, search: string, offset: number, setOffset: (n: number) => void } {
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const [offset, setOffset] = useState(0)
  useEffect(() => {
    const t = setTimeout(() => { setSearch(typed); setOffset(0) }, 200)
    return () => clearTimeout(t)
  }, [typed])
  return { typed, setTyped, search, offset, setOffset }
}

export function SearchBox ({ typed, setTyped, placeholder, total, noun, testId }: { typed: string, setTyped: (s: string) => void, placeholder: string, total?: number, noun: string, testId: string }) {
  return (
    <div class="toolbar">
      <input type="search" placeholder={placeholder} value={typed} data-testid={`${testId}-search`} onInput={e => setTyped((e.target as HTMLInputElement).value)} />
      {total !== undefined ? <span class="muted" data-testid={`${testId}-total`}>{total} {noun}</span> : null}
    </div>
  )
}

export function Pager ({ offset, total, setOffset }: { offset: number, total: number, setOffset: (n: number) => void }) {
  return (
    <div class="pager">
      <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
      <span class="muted">{total === 0 ? 'none' : `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}`}</span>
      <button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>Next</button>
    </div>
  )
}
