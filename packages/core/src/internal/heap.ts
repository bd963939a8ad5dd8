/**
 * A binary min-heap of items by due time (then by arrival): the poll scheduler keeps every
 * pending operation in one, so that a hundred thousand of them cost a few hundred bytes each
 * and finding the next ones due costs O(log n), with no fiber per operation.
 *
 * @internal
 */

/** @internal */
export interface Due {
  dueAt: number
  seq: number
}

const before = (a: Due, b: Due) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq)

/** @internal */
export class Heap<A extends Due> {
  private readonly items: Array<A> = []

  get size(): number {
    return this.items.length
  }

  peek(): A | undefined {
    return this.items[0]
  }

  push(item: A): void {
    const items = this.items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i], items[parent])) break
      ;[items[i], items[parent]] = [items[parent], items[i]]
      i = parent
    }
  }

  pop(): A | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last !== undefined) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let smallest = i
        if (l < items.length && before(items[l], items[smallest])) smallest = l
        if (r < items.length && before(items[r], items[smallest])) smallest = r
        if (smallest === i) break
        ;[items[i], items[smallest]] = [items[smallest], items[i]]
        i = smallest
      }
    }
    return top
  }
}
